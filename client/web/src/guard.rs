//! What every request passes before it is answered: the `Host` header must
//! name this server (a page of another site that rebinds its name to
//! 127.0.0.1 sends its own name), and the API and the page need this run's
//! secret, as `?t=` or the `X-Musicchain-Secret` header. Every answer
//! forbids framing, caching and referrers, and carries a content security
//! policy that allows only this server's own script, style and media.

use crate::state::App;
use axum::{
	extract::{Request, State},
	http::{header, HeaderValue, StatusCode},
	middleware::Next,
	response::{IntoResponse, Response},
};
use std::sync::Arc;

/// The header a page's API calls carry the secret in.
pub const SECRET_HEADER: &str = "x-musicchain-secret";

/// A new secret: 128 random bits as hex.
pub fn new_secret() -> String {
	hex::encode(rand::random::<[u8; 16]>())
}

/// Whether `a` and `b` are equal, in time that does not depend on where
/// they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
	a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `host` (a Host header) names this server on `port`.
pub fn host_allowed(host: &str, port: u16) -> bool {
	["127.0.0.1", "localhost", "[::1]"].iter().any(|name| host == format!("{name}:{port}"))
}

/// The secret a request carries, if any.
fn secret_of(req: &Request) -> Option<String> {
	if let Some(v) = req.headers().get(SECRET_HEADER).and_then(|v| v.to_str().ok()) {
		return Some(v.to_owned());
	}
	let query = req.uri().query()?;
	query.split('&').find_map(|pair| pair.strip_prefix("t=")).map(str::to_owned)
}

/// Whether a path needs the secret: the API and the page itself; the
/// script, style and icon are the same for everyone.
fn needs_secret(path: &str) -> bool {
	!matches!(path, "/app.js" | "/app.css" | "/favicon.svg")
}

fn forbidden(why: &'static str) -> Response {
	(StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], why)
		.into_response()
}

/// The middleware: refuses what is not for us, then answers with the
/// security headers.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
	let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
	if !host_allowed(host, app.port) {
		return forbidden("this server answers only to 127.0.0.1 or localhost on its own port\n");
	}
	if needs_secret(req.uri().path()) {
		match secret_of(&req) {
			Some(s) if same(s.as_bytes(), app.secret.as_bytes()) => {},
			_ => {
				return forbidden(
					"this page needs the address `musicchain app` printed, which carries the \
					 run's secret\n",
				)
			},
		}
	}
	let mut response = next.run(req).await;
	let headers = response.headers_mut();
	for (name, value) in [
		(header::X_FRAME_OPTIONS, "DENY"),
		(header::REFERRER_POLICY, "no-referrer"),
		(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
		(
			header::CONTENT_SECURITY_POLICY,
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
			 media-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
		),
	] {
		headers.insert(name, HeaderValue::from_static(value));
	}
	headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_our_own_host_and_port_pass() {
		assert!(host_allowed("127.0.0.1:8080", 8080));
		assert!(host_allowed("localhost:8080", 8080));
		assert!(host_allowed("[::1]:8080", 8080));
		assert!(!host_allowed("127.0.0.1:8081", 8080));
		assert!(!host_allowed("evil.example:8080", 8080));
		assert!(!host_allowed("127.0.0.1", 8080));
		assert!(!host_allowed("", 8080));
	}

	#[test]
	fn secrets_compare_whole() {
		let s = new_secret();
		assert_eq!(s.len(), 32);
		assert!(same(s.as_bytes(), s.clone().as_bytes()));
		assert!(!same(s.as_bytes(), &s.as_bytes()[..31]));
		assert!(!same(s.as_bytes(), new_secret().as_bytes()));
	}
}
