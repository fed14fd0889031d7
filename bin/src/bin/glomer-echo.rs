//! Maelstrom `echo` node (spec section 4.1).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::echo::Echo>()
}
