//! Serving an Engine.IO server through each framework integration, so the conformance suite
//! can run against every one of them. Each also has a `/hello` route beside the engine.

use std::net::TcpListener;

use engineio::IntoEngineIo;

/// The integrations [`serve`] knows: `warp` is `socketio_warp::serve` (the engine's own
/// websocket stack beside warp routes), `warp-filter` is `socketio_warp::engineio_filter`
/// inside `warp::serve` (websockets through `warp::ws()`).
pub const INTEGRATIONS: &[&str] = &["hyper", "axum", "actix", "warp", "warp-filter"];

/// Serves `engine` on `listener` (already bound) through `integration` (one of
/// [`INTEGRATIONS`]) until the server stops or fails. actix runs on a dedicated thread with its
/// own actix system and 2 workers (so requests of one session cross workers).
pub async fn serve<E: IntoEngineIo>(
    integration: &str,
    listener: TcpListener,
    engine: E,
) -> Result<(), String> {
    let engine = engine.into_engine_io();
    match integration {
        "hyper" => engineio::serve_with(tokio_listener(listener)?, engine, |req| async move {
            let hello = req.uri().path() == "/hello";
            let body = if hello { "hello" } else { "Not Found" };
            let mut response = http::Response::new(engineio::ResponseBody::from(body));
            if !hello {
                *response.status_mut() = http::StatusCode::NOT_FOUND;
            }
            response
        })
        .await
        .map_err(|e| e.to_string()),
        "axum" => {
            use axum::routing::get;
            let app = axum::Router::new()
                .route("/hello", get(|| async { "hello" }))
                .layer(socketio_axum::EngineIoLayer::new(engine));
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            use axum::serve::ListenerExt;
            let listener = tokio_listener(listener)?.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, app).await.map_err(|e| e.to_string())
        }
        "warp" => {
            use warp::Filter;
            let hello = warp::path!("hello").map(|| "hello");
            socketio_warp::serve(tokio_listener(listener)?, engine, warp::service(hello))
                .await
                .map_err(|e| e.to_string())
        }
        "warp-filter" => {
            use warp::Filter;
            let hello = warp::path!("hello").map(|| "hello");
            let routes = socketio_warp::engineio_filter(engine).or(hello);
            warp::serve(routes)
                .incoming(tokio_listener(listener)?)
                .run()
                .await;
            Ok(())
        }
        "actix" => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                let result = actix_web::rt::System::new().block_on(async move {
                    actix_web::HttpServer::new(move || {
                        actix_web::App::new()
                            .configure(socketio_actix::configure(engine.clone()))
                            .route("/hello", actix_web::web::get().to(|| async { "hello" }))
                    })
                    .workers(2)
                    .disable_signals()
                    .listen(listener)?
                    .run()
                    .await
                });
                let _ = tx.send(result);
            });
            match rx.await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err("the actix thread died".into()),
            }
        }
        other => Err(format!("unknown integration {other}")),
    }
}

fn tokio_listener(listener: TcpListener) -> Result<tokio::net::TcpListener, String> {
    listener
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpListener::from_std(listener))
        .map_err(|e| e.to_string())
}
