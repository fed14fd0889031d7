//! Maelstrom `unique-ids` node (Glomers challenge 2).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::unique_ids::UniqueIds>()
}
