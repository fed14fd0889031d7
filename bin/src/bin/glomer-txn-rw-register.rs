//! Maelstrom `txn-rw-register` node (spec section 4.8; design and figures in docs/txn.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::txn_rw_register::TxnRwRegister>()
}
