//! The console's static files, compiled into the binary: nothing is fetched from a CDN or the
//! network. Pages name them with a content hash in the query (`?v=`), so they are cached for a
//! year and a new build is fetched at once.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
struct Asset {
    path: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        mime: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/app.css"),
    },
    Asset {
        path: "app.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/app.js"),
    },
    Asset {
        path: "map.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/map.js"),
    },
    Asset {
        path: "vendor/leaflet/leaflet.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/vendor/leaflet/leaflet.js"),
    },
    Asset {
        path: "vendor/leaflet/leaflet.css",
        mime: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/vendor/leaflet/leaflet.css"),
    },
    Asset {
        path: "vendor/leaflet/images/marker-icon.png",
        mime: "image/png",
        bytes: include_bytes!("../../assets/vendor/leaflet/images/marker-icon.png"),
    },
    Asset {
        path: "vendor/leaflet/images/marker-icon-2x.png",
        mime: "image/png",
        bytes: include_bytes!("../../assets/vendor/leaflet/images/marker-icon-2x.png"),
    },
    Asset {
        path: "vendor/leaflet/images/marker-shadow.png",
        mime: "image/png",
        bytes: include_bytes!("../../assets/vendor/leaflet/images/marker-shadow.png"),
    },
    Asset {
        path: "vendor/leaflet/images/layers.png",
        mime: "image/png",
        bytes: include_bytes!("../../assets/vendor/leaflet/images/layers.png"),
    },
    Asset {
        path: "vendor/leaflet/images/layers-2x.png",
        mime: "image/png",
        bytes: include_bytes!("../../assets/vendor/leaflet/images/layers-2x.png"),
    },
    Asset {
        path: "favicon.svg",
        mime: "image/svg+xml",
        bytes: include_bytes!("../../assets/favicon.svg"),
    },
];

fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// The URL of an embedded file, with its content hash: `/assets/app.css?v=1a2b3c4d`.
pub fn url(path: &str) -> String {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    let hashes = HASHES.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| fieldvisit_core::crypto::sha256(a.bytes).to_hex()[..12].to_owned())
            .collect()
    });
    match ASSETS.iter().position(|a| a.path == path) {
        Some(i) => format!("/assets/{path}?v={}", hashes[i]),
        None => format!("/assets/{path}"),
    }
}

/// The URLs a page's `<head>` and scripts name, made once.
#[derive(Debug)]
pub struct Urls {
    /// The stylesheet.
    pub css: String,
    /// The page script.
    pub js: String,
    /// The map script.
    pub map_js: String,
    /// Leaflet.
    pub leaflet_js: String,
    /// Leaflet's stylesheet.
    pub leaflet_css: String,
    /// The icon.
    pub favicon: String,
}

/// The URLs of every page.
pub fn urls() -> &'static Urls {
    static URLS: OnceLock<Urls> = OnceLock::new();
    URLS.get_or_init(|| Urls {
        css: url("app.css"),
        js: url("app.js"),
        map_js: url("map.js"),
        leaflet_js: url("vendor/leaflet/leaflet.js"),
        leaflet_css: url("vendor/leaflet/leaflet.css"),
        favicon: url("favicon.svg"),
    })
}

/// `GET /assets/{*path}`.
pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let _ = headers;
    match find(&path) {
        Some(a) => (
            [
                (CONTENT_TYPE, a.mime),
                // Hashed URLs never change; unhashed ones (Leaflet's images) may, once a release.
                (CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Sizes of what a page loads, for the budget test: (path, raw bytes).
pub fn sizes() -> Vec<(&'static str, usize)> {
    ASSETS.iter().map(|a| (a.path, a.bytes.len())).collect()
}

/// The bytes of an embedded file.
pub fn bytes(path: &str) -> Option<&'static [u8]> {
    find(path).map(|a| a.bytes)
}
