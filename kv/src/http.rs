//! The HTTP API:
//!
//! | request | answer |
//! |---|---|
//! | `PUT /kv/{key}` with any JSON body | 200 `{"ok":true}` once applied locally and durable (with a store) |
//! | `GET /kv/{key}` | 200 `{"values":[...]}` (every concurrent value), 404 `{"error":...}` |
//! | `DELETE /kv/{key}` | 200 `{"ok":true}` |
//! | `GET /kv` | 200 `{"keys":[...]}` |
//! | `GET /cluster` | 200 `{"name":..,"members":[{"name":..,"addr":..,"state":..}]}` |
//!
//! A body that is not JSON is 400, a body over [`BODY_BYTES_MAX`] is 413, an unknown route 404;
//! a write the store failed to record is 500; every error body is `{"error": "..."}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use glomer_net::{MemberState, NetError};
use serde::Serialize;
use serde_json::{json, Value};

use crate::model::Kv;

/// The largest value accepted: 1 MiB keeps one request's memory small, and a value has to
/// travel in every delta and full state that carries its key.
pub const BODY_BYTES_MAX: usize = 1024 * 1024;

/// The router over one replica.
pub fn router(kv: Kv) -> Router {
    Router::new()
        .route("/kv", get(keys))
        .route("/kv/{key}", get(read).put(write).delete(remove))
        .route("/cluster", get(cluster))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such route") })
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(kv)
}

async fn write(State(kv): State<Kv>, Path(key): Path<String>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return error(rejection.status(), &rejection.body_text()),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(parse) => return error(StatusCode::BAD_REQUEST, &format!("body is not JSON: {parse}")),
    };
    match kv.put(key, value).await {
        Ok(()) => ok(),
        Err(failure) => stopped(failure),
    }
}

async fn read(State(kv): State<Kv>, Path(key): Path<String>) -> Response {
    match kv.get(&key).await {
        Ok(values) if values.is_empty() => error(StatusCode::NOT_FOUND, &format!("no value for key {key:?}")),
        Ok(values) => Json(json!({ "values": values })).into_response(),
        Err(failure) => stopped(failure),
    }
}

async fn remove(State(kv): State<Kv>, Path(key): Path<String>) -> Response {
    match kv.delete(key).await {
        Ok(()) => ok(),
        Err(failure) => stopped(failure),
    }
}

async fn keys(State(kv): State<Kv>) -> Response {
    match kv.keys().await {
        Ok(keys) => Json(json!({ "keys": keys })).into_response(),
        Err(failure) => stopped(failure),
    }
}

#[derive(Serialize)]
struct ClusterMember {
    name: String,
    addr: String,
    state: MemberState,
}

async fn cluster(State(kv): State<Kv>) -> Response {
    let members: Vec<ClusterMember> = kv
        .members()
        .into_iter()
        .map(|member| ClusterMember { name: member.name, addr: member.addr.to_string(), state: member.state })
        .collect();
    Json(json!({ "name": kv.replica().name(), "members": members })).into_response()
}

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A failed store commit is 500: the write is in this replica's memory and may yet reach disk
/// or peers, so its outcome is unknown. A stopped replica is 503.
fn stopped(failure: NetError) -> Response {
    match failure {
        NetError::Durability(cause) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the write was not recorded ({cause}); it may or may not persist"),
        ),
        other => error(StatusCode::SERVICE_UNAVAILABLE, &other.to_string()),
    }
}
