//! Links between pages: query strings of ids, codes and dates only (never a name), encoded once.

/// `k1=v1&k2=v2`, form-encoded, leaving out empty values.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// `path?query`, or `path` alone when nothing is left of the query.
pub fn to(path: &str, pairs: &[(&str, &str)]) -> String {
    let q = query(pairs);
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_values_and_drop_empty_ones() {
        assert_eq!(
            to(
                "/coverage",
                &[("unit", "t-1"), ("category", ""), ("next", "/a?b=c&d")]
            ),
            "/coverage?unit=t-1&next=%2Fa%3Fb%3Dc%26d"
        );
        assert_eq!(to("/coverage", &[("unit", "")]), "/coverage");
    }
}
