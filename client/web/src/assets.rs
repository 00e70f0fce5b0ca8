//! The page, its script, style and icon: embedded in the binary, so the
//! app needs no files beside it, no CDN and no build step.

use axum::{
	http::{header, HeaderValue},
	response::{IntoResponse, Response},
};

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");
const ICON: &str = include_str!("../assets/favicon.svg");

fn asset(body: &'static str, mime: &'static str) -> Response {
	([(header::CONTENT_TYPE, HeaderValue::from_static(mime))], body).into_response()
}

pub async fn index() -> Response {
	asset(INDEX, "text/html; charset=utf-8")
}

pub async fn script() -> Response {
	asset(SCRIPT, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
	asset(STYLE, "text/css; charset=utf-8")
}

pub async fn icon() -> Response {
	asset(ICON, "image/svg+xml")
}

/// Bytes of the page, script and style (what a first visit loads).
pub const PAGE_WEIGHT: usize = INDEX.len() + SCRIPT.len() + STYLE.len() + ICON.len();
