//! The layer and the service, mounted the documented ways.

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use socketio_axum::{EngineIoLayer, EngineIoService};
use tower_service::Service;

struct Echo;

impl Handler for Echo {
    type Connection = Socket;

    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }

    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        let _ = socket.try_send(data);
    }

    fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _now: std::time::Instant) {}
}

async fn get_path(app: &mut Router, path: &str) -> (StatusCode, String) {
    std::future::poll_fn(|cx| <Router as Service<Request<Body>>>::poll_ready(app, cx))
        .await
        .expect("ready");
    let req = Request::get(path).body(Body::empty()).expect("request");
    let response = app.call(req).await.expect("response");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const HANDSHAKE: &str = "/engine.io/?EIO=4&transport=polling";

#[tokio::test]
async fn layer_routes_engine_paths_to_the_engine() {
    let engine = EngineIo::new(Config::default(), Echo);
    let mut app = Router::new()
        .route("/hello", get(|| async { "hello" }))
        .layer(EngineIoLayer::new(engine));
    let (status, body) = get_path(&mut app, HANDSHAKE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("0{\"sid\":"), "{body}");
    assert_eq!(
        get_path(&mut app, "/hello").await,
        (StatusCode::OK, "hello".into())
    );
    assert_eq!(get_path(&mut app, "/nope").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_trailing_slash_the_bare_path_is_the_engines_through_nest_service() {
    let config = Config {
        add_trailing_slash: false,
        ..Config::default()
    };
    let engine = EngineIo::new(config, Echo);
    let mut app = Router::new().nest_service("/engine.io", EngineIoService::new(engine));
    for path in [HANDSHAKE, "/engine.io?EIO=4&transport=polling"] {
        let (status, body) = get_path(&mut app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.starts_with("0{\"sid\":"), "{path}: {body}");
    }
}

#[tokio::test]
async fn nest_service_sees_the_original_path() {
    let engine = EngineIo::new(Config::default(), Echo);
    let mut app = Router::new()
        .route("/hello", get(|| async { "hello" }))
        .nest_service("/engine.io", EngineIoService::new(engine.clone()))
        .route_service("/elsewhere", EngineIoService::new(engine));
    let (status, body) = get_path(&mut app, HANDSHAKE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("0{\"sid\":"), "{body}");
    // As Node's default `addTrailingSlash`: the path without its slash is not the engine's.
    let (status, _) = get_path(&mut app, "/engine.io?EIO=4&transport=polling").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        get_path(&mut app, "/elsewhere").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_path(&mut app, "/hello").await,
        (StatusCode::OK, "hello".into())
    );
}
