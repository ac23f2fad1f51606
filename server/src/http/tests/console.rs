//! The console over the router: pages need a session, numbers equal the API's, one township sees
//! nothing of another, names are escaped, forms without their CSRF token are refused, and an
//! admin's enrollment code comes with its QR code.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;
use crate::auth::SESSION_COOKIE;

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    html: String,
}

impl World {
    /// A signed-in browser: the session token and its CSRF token.
    async fn browser(&self, staff_id: &str) -> (String, String) {
        let r = self
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                json!({ "login": format!("{staff_id}@fv"), "password": PASSWORD }),
            )
            .await;
        (
            r.json["token"].as_str().unwrap().to_owned(),
            r.json["csrf_token"].as_str().unwrap().to_owned(),
        )
    }

    async fn page(
        &self,
        method: &str,
        uri: &str,
        session: Option<&str>,
        form: Option<String>,
    ) -> Page {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(s) = session {
            b = b.header("cookie", format!("{SESSION_COOKIE}={s}"));
        }
        let body = match form {
            Some(f) => {
                b = b.header("content-type", "application/x-www-form-urlencoded");
                Body::from(f)
            }
            None => Body::empty(),
        };
        let resp = self
            .app
            .clone()
            .oneshot(b.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// The number shown in the tile of `metric`.
fn tile(html: &str, metric: &str) -> String {
    let at = html
        .find(&format!("data-metric=\"{metric}\""))
        .unwrap_or_else(|| panic!("no tile {metric}"));
    let rest = &html[at..];
    let v = rest.find("class=\"value\"").unwrap();
    let rest = &rest[v..];
    let open = rest.find('>').unwrap();
    let close = rest.find('<').unwrap();
    rest[open + 1..close].trim().to_owned()
}

#[tokio::test]
async fn pages_need_a_session_and_carry_a_strict_policy() {
    let w = world().await;
    let p = w.page("GET", "/coverage", None, None).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.headers["location"], "/login?next=%2Fcoverage");
    let p = w.page("GET", "/login", None, None).await;
    assert_eq!(p.status, StatusCode::OK);
    let csp = p.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!p.html.contains("<script>"), "no inline script");
    let p = w.page("GET", "/no-such-page", None, None).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.html.contains("<html"));
}

#[tokio::test]
async fn coverage_tiles_equal_the_api_for_the_same_filter() {
    let w = world().await;
    let (s, _) = w.browser("supA").await;
    let api = w.login("supA").await;
    for (page_q, api_q) in [
        (
            "period=custom&from=2026-01-01&to=2026-12-31",
            "from=2026-01-01&to=2026-12-31",
        ),
        (
            "period=custom&from=2026-01-01&to=2026-06-30&unit=vA&category=dibao",
            "from=2026-01-01&to=2026-06-30&unit=vA&category=dibao",
        ),
    ] {
        let p = w
            .page("GET", &format!("/coverage?{page_q}"), Some(&s), None)
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        let j = w
            .call(
                "GET",
                &format!("/api/v1/coverage?{api_q}"),
                Some(&api),
                Body::empty(),
            )
            .await
            .json;
        for m in ["due", "on_time", "late", "missed"] {
            assert_eq!(
                tile(&p.html, m),
                j["totals"][m].to_string(),
                "{m} for {page_q}"
            );
        }
        assert_eq!(
            tile(&p.html, "overdue"),
            j["overdue"].as_array().unwrap().len().to_string()
        );
        assert_eq!(
            tile(&p.html, "on_time_pct"),
            format!("{:.1}%", j["totals"]["on_time_pct"].as_f64().unwrap())
        );
        let bars = p.html.matches("bars__bar\"").count();
        assert_eq!(
            bars,
            j["children"].as_array().unwrap().len(),
            "a bar per unit below"
        );
    }
}

#[tokio::test]
async fn township_a_reaches_nothing_of_township_b() {
    let w = world().await;
    let (s, _) = w.browser("supA").await;
    for uri in [
        "/coverage?unit=tB",
        "/coverage/households?unit=vB&status=due",
        "/coverage/overdue?unit=tB",
        "/evidence?unit=vB",
        "/households/hB",
    ] {
        let p = w.page("GET", uri, Some(&s), None).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !p.html.contains("李四") && !p.html.contains("淳化村"),
            "{uri} leaks B"
        );
    }
    let p = w
        .page(
            "GET",
            "/coverage?period=custom&from=2026-01-01&to=2026-12-31",
            Some(&s),
            None,
        )
        .await;
    for b in ["tB", "vB", "hB", "淳化", "李四"] {
        assert!(!p.html.contains(b), "the coverage page of A mentions {b}");
    }
}

#[tokio::test]
async fn a_name_that_looks_like_script_is_shown_as_text() {
    let w = world().await;
    let csv = format!(
        "{CSV_HEADER}hX,vA,<script>alert(1)</script>,320102198001011234,\"<img src=x onerror=alert(1)>\",dibao,2026-01-05,,,wA\n"
    );
    let rows = csv_import::parse(csv.as_bytes(), &mut || {}).unwrap();
    ops::households::import(&w.state, &Actor::cli(), rows)
        .await
        .unwrap();
    let (s, _) = w.browser("supA").await;
    for uri in [
        "/households/hX",
        "/coverage/households?period=custom&from=2026-01-01&to=2026-12-31&status=due",
    ] {
        let p = w.page("GET", uri, Some(&s), None).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}");
        assert!(
            p.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || p.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{uri}: {}",
            p.html
        );
        assert!(
            !p.html.contains("<script>alert(1)") && !p.html.contains("<img src=x"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let w = world().await;
    let (s, csrf) = w.browser("supA").await;
    for form in [String::new(), "csrf=wrong".to_owned()] {
        let p = w.page("POST", "/logout", Some(&s), Some(form)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        w.page("GET", "/coverage", Some(&s), None).await.status,
        StatusCode::OK,
        "the session lives on"
    );
    let p = w
        .page("POST", "/logout", Some(&s), Some(format!("csrf={csrf}")))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.page("GET", "/coverage", Some(&s), None).await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
}

#[tokio::test]
async fn an_admin_makes_an_enrollment_code_shown_with_its_qr_code() {
    let w = world().await;
    let (s, csrf) = w.browser("admin").await;
    let p = w
        .page(
            "POST",
            "/admin/devices/codes",
            Some(&s),
            Some(format!("csrf={csrf}&worker=wA")),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("data-enrollment-code") && p.html.contains("<svg"));
    assert_eq!(p.headers["cache-control"], "no-store");
    let p = w
        .page(
            "POST",
            "/admin/devices/codes",
            Some(&s),
            Some(format!("csrf={csrf}&worker=nobody")),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let (sa, _) = w.browser("supA").await;
    assert_eq!(
        w.page("GET", "/admin/staff", Some(&sa), None).await.status,
        StatusCode::FORBIDDEN
    );
}
