//! Maelstrom `txn-rw-register` node (Glomers challenges 6a-6c; design and figures in docs/txn.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::txn_rw_register::TxnRwRegister>()
}
