//! The HTTP API's status codes and bodies, on one in-process replica.

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use glomer_kv::{http, model::Kv};
use glomer_net::{ReplicaBuilder, SwimConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

async fn replica() -> (Kv, axum::Router) {
    let replica =
        ReplicaBuilder::new("solo", "127.0.0.1:0".parse().unwrap()).swim(SwimConfig::fast()).start().await.unwrap();
    let kv = Kv::new(replica);
    (kv.clone(), http::router(kv))
}

async fn call(router: &axum::Router, method: &str, uri: &str, body: impl Into<Body>) -> (StatusCode, Value) {
    let request = Request::builder().method(method).uri(uri).body(body.into()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{method} {uri}: body is not JSON: {bytes:?}"));
    (status, body)
}

#[tokio::test]
async fn put_get_delete_and_list_keys() {
    let (kv, router) = replica().await;
    assert_eq!(call(&router, "PUT", "/kv/a", r#"{"x":[1,2]}"#).await, (StatusCode::OK, json!({"ok": true})));
    assert_eq!(call(&router, "PUT", "/kv/b", "7").await, (StatusCode::OK, json!({"ok": true})));
    assert_eq!(call(&router, "GET", "/kv/a", "").await, (StatusCode::OK, json!({"values": [{"x": [1, 2]}]})));
    assert_eq!(call(&router, "GET", "/kv", "").await, (StatusCode::OK, json!({"keys": ["a", "b"]})));
    assert_eq!(call(&router, "DELETE", "/kv/a", "").await, (StatusCode::OK, json!({"ok": true})));
    let (status, body) = call(&router, "GET", "/kv/a", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(call(&router, "GET", "/kv", "").await, (StatusCode::OK, json!({"keys": ["b"]})));
    kv.shutdown().await;
}

#[tokio::test]
async fn bad_bodies_and_routes_get_json_errors() {
    let (kv, router) = replica().await;
    let (status, body) = call(&router, "PUT", "/kv/a", "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].is_string(), "{body}");

    let big = format!("\"{}\"", "x".repeat(http::BODY_BYTES_MAX));
    let (status, body) = call(&router, "PUT", "/kv/a", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body["error"].is_string(), "{body}");

    let (status, body) = call(&router, "GET", "/nowhere", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(call(&router, "GET", "/kv", "").await, (StatusCode::OK, json!({"keys": []})), "nothing was written");
    kv.shutdown().await;
}

#[tokio::test]
async fn cluster_lists_this_replica() {
    let (kv, router) = replica().await;
    let (status, body) = call(&router, "GET", "/cluster", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "solo");
    assert_eq!(body["members"][0]["name"], "solo");
    assert_eq!(body["members"][0]["state"], "alive");
    assert_eq!(body["members"][0]["addr"], kv.replica().addr().to_string());
    kv.shutdown().await;
}
