//! glomer-kv replicas as separate processes on 127.0.0.1: convergence, late joins, SIGKILL and
//! restarts.

mod support;

use support::{cluster, eventually, keys, put, spawn, state_of, values};

/// Each replica writes its own keys; every replica ends up with every key and value.
fn writes_everywhere_converge(n: usize) {
    let nodes = cluster(n);
    for (i, node) in nodes.iter().enumerate() {
        for k in 0..5 {
            put(node, &format!("k{i}-{k}"), &format!("{{\"by\":{i},\"k\":{k}}}"));
        }
    }
    let expected: Vec<String> = (0..n).flat_map(|i| (0..5).map(move |k| format!("k{i}-{k}"))).collect();
    let mut sorted = expected.clone();
    sorted.sort();
    eventually("every replica holds every key", || nodes.iter().all(|node| keys(node) == sorted));
    for node in &nodes {
        assert_eq!(values(node, "k0-3"), vec![serde_json::json!({"by": 0, "k": 3})], "at {}", node.name);
    }
}

#[test]
fn three_replicas_converge() {
    writes_everywhere_converge(3);
}

#[test]
fn five_replicas_converge() {
    writes_everywhere_converge(5);
}

#[test]
fn a_late_replica_joins_through_a_seed_and_catches_up() {
    let nodes = cluster(3);
    for i in 0..20 {
        put(&nodes[i % 3], &format!("early{i:02}"), &i.to_string());
    }
    let late = spawn("late", &[nodes[1].gossip], None);
    let everyone: Vec<String> = (0..20).map(|i| format!("early{i:02}")).collect();
    eventually("the late replica holds the full state", || keys(&late) == everyone);
    put(&late, "from-late", "true");
    eventually("its own write reaches the others", || {
        nodes.iter().all(|node| values(node, "from-late") == vec![serde_json::json!(true)])
    });
    put(&nodes[0], "after-join", "1");
    eventually("later writes reach it as deltas", || values(&late, "after-join") == vec![serde_json::json!(1)]);
}

#[test]
fn a_killed_replica_is_reported_down_and_rejoins_after_restart() {
    let mut nodes = cluster(3);
    put(&nodes[2], "before", "1");
    eventually("the first write spreads", || nodes.iter().all(|node| !values(node, "before").is_empty()));
    let victim = nodes.pop().expect("three nodes");
    let (name, ports) = (victim.name.clone(), (victim.http, victim.gossip));
    drop(victim); // SIGKILL
    let took = eventually("the others report it down", || {
        nodes.iter().all(|node| state_of(node, &name).as_deref() == Some("down"))
    });
    eprintln!("{name} reported down {} ms after SIGKILL", took.as_millis());
    put(&nodes[0], "during", "2");
    eventually("the survivors keep converging", || values(&nodes[1], "during") == vec![serde_json::json!(2)]);

    let back = spawn(&name, &[nodes[0].gossip], Some(ports));
    eventually("the others see it alive again", || {
        nodes.iter().all(|node| state_of(node, &name).as_deref() == Some("alive"))
    });
    eventually("it catches up", || keys(&back) == ["before", "during"]);
    put(&back, "after", "3");
    eventually("its new writes reach the others", || {
        nodes.iter().all(|node| values(node, "after") == vec![serde_json::json!(3)])
    });
}
