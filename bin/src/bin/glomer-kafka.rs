//! Maelstrom `kafka` node (spec section 4.7; design and flags in docs/kafka.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::kafka::Kafka>()
}
