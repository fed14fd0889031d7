//! The example counter: g-counter kept in lin-kv (docs/writing-a-node.md).

fn main() -> anyhow::Result<()> {
    glomer_adapters::runtime::init_tracing();
    glomer_adapters::runtime::run(glomer_examples::counter::Counter::default())?;
    Ok(())
}
