//! QR codes drawn on the server as SVG, so an enrollment code can be scanned off the screen without
//! any script or network.

/// The SVG of a QR code holding `text`; its modules are the only content, so the markup holds no
/// reader-supplied text.
pub fn svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    #[test]
    fn a_code_becomes_an_svg_of_modules() {
        let s = super::svg("ABCD-EFGH-JKMN").unwrap();
        assert!(s.starts_with("<?xml") || s.starts_with("<svg"));
        assert!(s.contains("<path") || s.contains("<rect"));
        assert!(!s.contains("ABCD"));
    }
}
