//! Broadcast topologies (Maelstrom's doc/workloads.md; maelstrom/workload/broadcast.clj), built from the node list
//! in test order.

use serde_json::{Map, Value};

/// Names `--topology` accepts.
pub const NAMES: &[&str] = &["grid", "line", "total", "tree", "tree2", "tree3", "tree4"];

/// Node → neighbours for the named topology, `None` for an unknown name.
pub fn build(name: &str, nodes: &[String]) -> Option<Vec<(String, Vec<String>)>> {
    let by_index = |f: &dyn Fn(usize) -> Vec<usize>| {
        (0..nodes.len()).map(|i| (nodes[i].clone(), f(i).into_iter().map(|j| nodes[j].clone()).collect())).collect()
    };
    let n = nodes.len();
    Some(match name {
        "grid" => by_index(&|i| grid(i, n)),
        "line" if n < 2 => Vec::new(),
        "line" => by_index(&|i| line(i, n)),
        "total" => by_index(&|i| (0..n).filter(|&j| j != i).collect()),
        "tree" | "tree2" => by_index(&|i| tree(i, n, 2)),
        "tree3" => by_index(&|i| tree(i, n, 3)),
        "tree4" => by_index(&|i| tree(i, n, 4)),
        _ => return None,
    })
}

/// The topology as the `topology` message's JSON object.
pub fn to_json(topology: &[(String, Vec<String>)]) -> Value {
    let map: Map<String, Value> =
        topology.iter().map(|(node, peers)| (node.clone(), Value::from(peers.clone()))).collect();
    Value::Object(map)
}

fn grid(i: usize, n: usize) -> Vec<usize> {
    let side = (n as f64).sqrt().ceil() as usize;
    let (r, c) = (i / side, i % side);
    // Order (r+1, c), (r-1, c), (r, c+1), (r, c-1), keeping cells that exist.
    let cells =
        [(Some(r + 1), Some(c)), (r.checked_sub(1), Some(c)), (Some(r), Some(c + 1)), (Some(r), c.checked_sub(1))];
    cells
        .into_iter()
        .filter_map(|(r, c)| Some((r?, c?)))
        .filter(|&(_, c)| c < side)
        .map(|(r, c)| r * side + c)
        .filter(|&j| j < n)
        .collect()
}

fn line(i: usize, n: usize) -> Vec<usize> {
    [i.checked_sub(1), Some(i + 1).filter(|&j| j < n)].into_iter().flatten().collect()
}

fn tree(i: usize, n: usize, branching: usize) -> Vec<usize> {
    let parent = i.checked_sub(1).map(|p| p / branching);
    let children = (branching * i + 1..=branching * i + branching).filter(|&j| j < n);
    parent.into_iter().chain(children).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn render(t: &[(String, Vec<String>)]) -> Vec<String> {
        t.iter().map(|(k, v)| format!("{k}->[{}]", v.join(","))).collect()
    }

    #[test]
    fn grid_of_five_matches_maelstroms_example() {
        let t = build("grid", &nodes(5)).unwrap();
        assert_eq!(render(&t), ["n0->[n3,n1]", "n1->[n4,n2,n0]", "n2->[n1]", "n3->[n0,n4]", "n4->[n1,n3]"]);
    }

    #[test]
    fn grid_of_twenty_five_is_the_five_by_five_grid() {
        let t = build("grid", &nodes(25)).unwrap();
        let r = render(&t);
        assert_eq!(r[0], "n0->[n5,n1]");
        assert_eq!(r[6], "n6->[n11,n1,n7,n5]");
        assert_eq!(r[24], "n24->[n19,n23]");
    }

    #[test]
    fn tree2_of_five_matches_maelstroms_example() {
        let t = build("tree2", &nodes(5)).unwrap();
        assert_eq!(render(&t), ["n0->[n1,n2]", "n1->[n0,n3,n4]", "n2->[n0]", "n3->[n1]", "n4->[n1]"]);
        assert_eq!(build("tree", &nodes(5)), Some(t));
    }

    #[test]
    fn one_node_gets_an_empty_grid_entry_and_no_line_entry() {
        assert_eq!(render(&build("grid", &nodes(1)).unwrap()), ["n0->[]"]);
        assert!(build("line", &nodes(1)).unwrap().is_empty());
    }

    #[test]
    fn line_and_total_and_tree3_have_their_shapes() {
        assert_eq!(render(&build("line", &nodes(3)).unwrap()), ["n0->[n1]", "n1->[n0,n2]", "n2->[n1]"]);
        assert_eq!(render(&build("total", &nodes(3)).unwrap()), ["n0->[n1,n2]", "n1->[n0,n2]", "n2->[n0,n1]"]);
        assert_eq!(render(&build("tree3", &nodes(5)).unwrap())[0], "n0->[n1,n2,n3]");
        assert_eq!(render(&build("tree4", &nodes(6)).unwrap())[5], "n5->[n1]");
        assert_eq!(build("ring", &nodes(3)), None);
    }
}
