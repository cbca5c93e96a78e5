//! The Socket.IO Admin UI (the `ui/dist` files of the npm package `@socket.io/admin-ui`),
//! read at start-up and served under `/admin/`.
//!
//! Its asset paths are relative and its router uses the URL hash, so the folder works under
//! any prefix. Its `index.html` loads a font (Roboto) and the icons (MDI) from public CDNs:
//! those two stylesheets are made non-blocking here, so that a page opened without network
//! (or with a CDN that never answers) still runs, with the browser's fonts and no icons.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::Path as UrlPath;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

/// Where the UI is installed, relative to the workspace root.
pub(crate) const UI_DIST: &str = "e2e/node_modules/@socket.io/admin-ui/ui/dist";

/// The UI files by path relative to the folder (`index.html`, `js/app.0d7d7845.js`, ...).
#[derive(Debug)]
pub(crate) struct AdminUi {
    files: HashMap<String, (&'static str, Vec<u8>)>,
}

impl AdminUi {
    /// Reads every file of `dir` (the package's `ui/dist`); `index.html` must be there.
    pub(crate) fn load(dir: &Path) -> Result<AdminUi, String> {
        let mut files = HashMap::new();
        read_dir(dir, "", &mut files)
            .map_err(|e| format!("cannot read the admin UI in {}: {e}", dir.display()))?;
        let Some((_, index)) = files.get_mut("index.html") else {
            return Err(format!("no index.html in {}", dir.display()));
        };
        let html = String::from_utf8_lossy(index).into_owned();
        *index = defer_external_styles(&html).into_bytes();
        Ok(AdminUi { files })
    }

    fn get(&self, path: &str) -> Response {
        match self.files.get(path) {
            Some((content_type, body)) => (
                [
                    (header::CONTENT_TYPE, *content_type),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                body.clone(),
            )
                .into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }
}

/// `/admin` (redirected to `/admin/`), `/admin/` and the files below it.
pub(crate) fn router(ui: AdminUi) -> Router {
    let ui = Arc::new(ui);
    let index = ui.clone();
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route(
            "/admin/",
            get(move || {
                let ui = index.clone();
                async move { ui.get("index.html") }
            }),
        )
        .route(
            "/admin/{*path}",
            get(move |UrlPath(path): UrlPath<String>| {
                let ui = ui.clone();
                async move { ui.get(&path) }
            }),
        )
}

fn read_dir(
    dir: &Path,
    prefix: &str,
    files: &mut HashMap<String, (&'static str, Vec<u8>)>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        if entry.file_type()?.is_dir() {
            read_dir(&entry.path(), &format!("{path}/"), files)?;
        } else {
            let body = std::fs::read(entry.path())?;
            files.insert(path, (content_type(&name), body));
        }
    }
    Ok(())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "map" | "json" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// Makes the stylesheets from other hosts non-blocking: loaded as `media="print"` and
/// switched on when they arrive. A blocking stylesheet that never loads would hold back the
/// scripts after it, so the whole page.
fn defer_external_styles(html: &str) -> String {
    html.replace(
        r#"<link rel="stylesheet" href="https://"#,
        r#"<link rel="stylesheet" media="print" onload="this.media='all'" href="https://"#,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_styles_no_longer_block() {
        let html = r#"<head><link rel="stylesheet" href="https://fonts.example/css"><link href="css/app.css" rel="stylesheet"></head>"#;
        assert_eq!(
            defer_external_styles(html),
            r#"<head><link rel="stylesheet" media="print" onload="this.media='all'" href="https://fonts.example/css"><link href="css/app.css" rel="stylesheet"></head>"#
        );
    }

    #[test]
    fn content_types() {
        assert_eq!(
            content_type("app.0d7d7845.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("logo-dark.3727fec5.svg"), "image/svg+xml");
        assert_eq!(
            content_type("app.js.map"),
            "application/json; charset=utf-8"
        );
        assert_eq!(content_type("README"), "application/octet-stream");
    }

    #[test]
    fn a_folder_without_index_is_refused() {
        let dir = std::env::temp_dir().join(format!("chat-admin-ui-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("js")).unwrap();
        std::fs::write(dir.join("js/app.js"), "x").unwrap();
        assert!(AdminUi::load(&dir).is_err());
        std::fs::write(
            dir.join("index.html"),
            r#"<link rel="stylesheet" href="https://cdn/x.css">"#,
        )
        .unwrap();
        let ui = AdminUi::load(&dir).unwrap();
        assert!(ui.files.contains_key("js/app.js"));
        let (_, index) = &ui.files["index.html"];
        assert!(String::from_utf8_lossy(index).contains("media=\"print\""));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
