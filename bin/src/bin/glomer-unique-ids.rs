//! Maelstrom `unique-ids` node (spec section 4.2).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::unique_ids::UniqueIds>()
}
