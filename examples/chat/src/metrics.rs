//! `--metrics`: the server's metrics in the Prometheus text format at `/metrics`.
//!
//! The `socketio` and `engineio` crates report through the `metrics` facade (the list is in
//! `socketio::metrics`); this installs the Prometheus recorder of `metrics-exporter-prometheus`
//! as the global recorder (it must be installed before the server is built: the server
//! registers its metrics then) and serves what it renders. No HTTP listener of its own: the
//! chat's port serves `/metrics` next to the page.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The content type of the Prometheus text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Installs the Prometheus recorder (once per process) with every metric described.
pub(crate) fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    socketio::metrics::describe();
    Ok(handle)
}

/// `GET /metrics`.
pub(crate) fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let body = handle.render();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response() }
        }),
    )
}
