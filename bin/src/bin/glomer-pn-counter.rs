//! Maelstrom `pn-counter` node (spec section 4; flags in docs/counters.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::counter::PnCounter>()
}
