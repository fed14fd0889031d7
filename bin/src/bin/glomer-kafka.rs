//! Maelstrom `kafka` node (Glomers challenges 5a-5c; design and flags in docs/kafka.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::kafka::Kafka>()
}
