//! Plain hyper 1 support: a service function and an accept loop.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::service::{is_websocket_upgrade, Dispatch, ResponseBody};
use crate::socket::Handler;
use crate::ws::TungsteniteWs;
use crate::EngineIo;

impl<H: Handler> EngineIo<H> {
    /// Handles a hyper request on the Engine.IO path, including websocket upgrades
    /// (hyper upgrade + tokio-tungstenite).
    pub async fn handle_hyper(&self, mut req: Request<Incoming>) -> Response<ResponseBody> {
        let on_upgrade = is_websocket_upgrade(req.headers()).then(|| hyper::upgrade::on(&mut req));
        match self.dispatch(req).await {
            Dispatch::Response(response) => response,
            Dispatch::WebSocket { response, accept } => {
                if let Some(on_upgrade) = on_upgrade {
                    let max = accept.max_message_size();
                    tokio::spawn(async move {
                        match on_upgrade.await {
                            Ok(upgraded) => {
                                let ws =
                                    TungsteniteWs::from_upgraded(TokioIo::new(upgraded), max).await;
                                accept.run(ws).await;
                            }
                            Err(e) => tracing::debug!("websocket upgrade failed: {e}"),
                        }
                    });
                }
                response
            }
        }
    }
}

/// Serves `engine` on `listener` with hyper (HTTP/1.1 and HTTP/2); requests outside the
/// Engine.IO path go to `fallback`, whose responses may have any body (a framework's service:
/// `socketio-warp`'s `serve` passes warp's routes this way).
pub async fn serve_with<H, F, Fut, B>(
    listener: TcpListener,
    engine: EngineIo<H>,
    fallback: F,
) -> std::io::Result<()>
where
    H: Handler,
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    loop {
        let (stream, addr): (_, SocketAddr) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors, typically: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let engine = engine.clone();
        let fallback = fallback.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(crate::RemoteAddr(addr));
                let engine = engine.clone();
                let fallback = fallback.clone();
                async move {
                    if engine.matches(req.uri().path()) {
                        let response = engine.handle_hyper(req).await;
                        Ok::<_, Infallible>(response.map(Either::Left))
                    } else {
                        Ok(fallback(req).await.map(Either::Right))
                    }
                }
            });
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            // A peer that never finishes its request headers is cut off (slowloris).
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(30));
            if let Err(e) = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("connection error: {e}");
            }
        });
    }
}

/// Serves `engine` on `listener`; other paths get 404.
pub async fn serve<H: Handler>(listener: TcpListener, engine: EngineIo<H>) -> std::io::Result<()> {
    serve_with(listener, engine, |_req| async {
        let mut response = Response::new(Full::new(Bytes::from_static(b"Not Found")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    })
    .await
}
