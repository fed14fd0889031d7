//! The example node: echo and broadcast (docs/writing-a-node.md).

fn main() -> anyhow::Result<()> {
    glomer_adapters::runtime::init_tracing();
    glomer_adapters::runtime::run(glomer_examples::node::Example::default())?;
    Ok(())
}
