#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use super::fixture::{self as photo, Rng};
use super::guard::{Format, inspect};
use super::{MediaError, PhotoConfig, ProcessedPhoto, decode, process_photo};

fn process(input: &[u8]) -> Result<ProcessedPhoto, MediaError> {
    process_photo(input, &PhotoConfig::default())
}

fn decode_rgb(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory(jpeg).unwrap().into_rgb8()
}

fn png_bytes(rgb: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let image = image::RgbImage::from_raw(width, height, rgb.to_vec()).unwrap();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

// ---- orientation ----

const RED: [u8; 3] = [230, 20, 20];
const GREEN: [u8; 3] = [20, 200, 20];
const BLUE: [u8; 3] = [20, 20, 230];
const WHITE: [u8; 3] = [240, 240, 240];

/// An upright 96 x 64 image whose quadrants are red, green (top) and blue, white (bottom).
fn upright(x: u32, y: u32) -> [u8; 3] {
    match (x < 48, y < 32) {
        (true, true) => RED,
        (false, true) => GREEN,
        (true, false) => BLUE,
        (false, false) => WHITE,
    }
}

/// How a camera stores the upright image for each EXIF orientation, from the tag definitions
/// ("the 0th row is the visual ..."), written independently of the pipeline's transforms.
fn stored(orientation: u16) -> (Vec<u8>, u32, u32) {
    let (uw, uh) = (96u32, 64u32);
    let (sw, sh) = if orientation >= 5 { (uh, uw) } else { (uw, uh) };
    let mut out = Vec::new();
    for sy in 0..sh {
        for sx in 0..sw {
            let (ux, uy) = match orientation {
                1 => (sx, sy),
                2 => (sw - 1 - sx, sy),
                3 => (sw - 1 - sx, sh - 1 - sy),
                4 => (sx, sh - 1 - sy),
                5 => (sy, sx),
                6 => (sh - 1 - sy, sx),
                7 => (sh - 1 - sy, sw - 1 - sx),
                8 => (sy, sw - 1 - sx),
                _ => unreachable!(),
            };
            out.extend_from_slice(&upright(ux, uy));
        }
    }
    (out, sw, sh)
}

fn assert_close(actual: &image::Rgb<u8>, expected: [u8; 3], context: &str) {
    for c in 0..3 {
        let diff = (i16::from(actual.0[c]) - i16::from(expected[c])).abs();
        assert!(
            diff < 40,
            "{context}: got {:?}, want {expected:?}",
            actual.0
        );
    }
}

#[test]
fn all_eight_exif_orientations_come_out_upright() {
    for orientation in 1..=8u16 {
        let (rgb, w, h) = stored(orientation);
        let input = photo::camera_jpeg(&rgb, w as u16, h as u16, Some(orientation), 95);
        let photo = process(&input).unwrap();
        assert_eq!(
            (photo.width, photo.height),
            (96, 64),
            "orientation {orientation}"
        );
        let out = decode_rgb(&photo.jpeg);
        assert_eq!(out.dimensions(), (96, 64));
        for (x, y, want) in [
            (20, 14, RED),
            (76, 14, GREEN),
            (20, 50, BLUE),
            (76, 50, WHITE),
        ] {
            assert_close(
                out.get_pixel(x, y),
                want,
                &format!("orientation {orientation} at {x},{y}"),
            );
        }
    }
}

#[test]
fn broken_exif_block_is_treated_as_upright() {
    let (rgb, w, h) = stored(1);
    let mut input = photo::camera_jpeg(&rgb, w as u16, h as u16, Some(6), 95);
    // Damage the TIFF byte-order mark inside the APP1 payload.
    let at = input.windows(6).position(|w| w == b"Exif\0\0").unwrap() + 6;
    input[at] = b'X';
    let photo = process(&input).unwrap();
    assert_eq!((photo.width, photo.height), (96, 64));
}

// ---- metadata ----

fn assert_no_metadata(jpeg: &[u8]) {
    let markers = photo::header_markers(jpeg);
    assert_eq!(markers.last(), Some(&0xDA), "the walk must reach the scan");
    for marker in markers {
        assert!(
            !(0xE1..=0xEF).contains(&marker) && marker != 0xFE,
            "metadata segment FF{marker:02X} in output"
        );
    }
    let parsed = exif::Reader::new().read_from_container(&mut Cursor::new(jpeg));
    assert!(parsed.is_err(), "an EXIF parser still finds EXIF");
    for needle in [
        &b"Exif"[..],
        b"SECRET-MAKER",
        b"ns.adobe.com",
        b"household 42",
        b"FieldCam",
    ] {
        assert!(!jpeg.windows(needle.len()).any(|w| w == needle));
    }
}

#[test]
fn output_has_no_exif_gps_xmp_or_comments() {
    let rgb = photo::photo_rgb(640, 480, 1);
    let input = photo::camera_jpeg(&rgb, 640, 480, Some(1), 90);
    // The input really carries what must be stripped.
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(&input))
        .unwrap();
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );
    let markers = photo::header_markers(&input);
    assert!(markers.contains(&0xE1) && markers.contains(&0xED) && markers.contains(&0xFE));

    let photo = process(&input).unwrap();
    assert_no_metadata(&photo.jpeg);
    assert_no_metadata(&photo.thumbnail);
}

// ---- refusals ----

#[test]
fn decompression_bomb_is_refused() {
    // 7000 x 7000 RGBA16 is 49 MP (under the pixel limit) but 392 MB decoded, from ~2.5 MB.
    let bomb = photo::png_bomb(7000);
    assert!(bomb.len() < 3 * 1024 * 1024, "{}", bomb.len());
    assert!(matches!(process(&bomb), Err(MediaError::DecodeLimit)));

    // The decode stage refuses it too when the header check is bypassed.
    let config = PhotoConfig::default();
    let header = inspect(&bomb, &config).unwrap();
    let direct = decode::decode(&bomb, &header, 1600, &config);
    assert!(matches!(direct, Err(MediaError::DecodeLimit)), "{direct:?}");
}

#[test]
fn jpeg_decoder_limit_holds() {
    let rgb = photo::photo_rgb(640, 480, 2);
    let input = photo::camera_jpeg(&rgb, 640, 480, None, 90);
    let config = PhotoConfig {
        max_decode_alloc: 10_000,
        ..PhotoConfig::default()
    };
    assert!(matches!(
        process_photo(&input, &config),
        Err(MediaError::DecodeLimit)
    ));
    let header = inspect(&input, &config).unwrap();
    assert_eq!(header.format, Format::Jpeg);
    let direct = decode::decode(&input, &header, 1600, &config);
    assert!(matches!(direct, Err(MediaError::DecodeLimit)));
}

#[test]
fn truncated_jpeg_is_refused() {
    let rgb = photo::photo_rgb(640, 480, 3);
    let input = photo::camera_jpeg(&rgb, 640, 480, Some(1), 90);
    for cut in [input.len() / 2, input.len() - 100, 40, 3] {
        let result = process(&input[..cut]);
        assert!(
            matches!(result, Err(MediaError::Truncated)),
            "cut at {cut}: {result:?}"
        );
    }
}

#[test]
fn truncated_png_is_refused() {
    let rgb = photo::photo_rgb(200, 150, 4);
    let input = png_bytes(&rgb, 200, 150);
    let result = process(&input[..input.len() / 2]);
    assert!(matches!(result, Err(MediaError::Truncated)), "{result:?}");
}

#[test]
fn huge_png_header_is_refused_before_decoding() {
    let input = photo::png_header_only(100_000, 100_000, 8, 2);
    let result = process(&input);
    assert!(
        matches!(
            result,
            Err(MediaError::TooManyPixels {
                width: 100_000,
                height: 100_000,
                limit: 50_000_000
            })
        ),
        "{result:?}"
    );
}

#[test]
fn random_bytes_are_refused() {
    let mut rng = Rng::new(99);
    let bytes: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    assert!(matches!(process(&bytes), Err(MediaError::NotAnImage)));
    assert!(matches!(process(&[]), Err(MediaError::NotAnImage)));
}

#[test]
fn foreign_formats_are_named() {
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let err = process(heic).unwrap_err();
    assert!(matches!(
        err,
        MediaError::UnsupportedFormat { format: "HEIC" }
    ));
    assert_eq!(
        err.to_string(),
        "photo format HEIC is not supported; use JPEG or PNG"
    );
    let gif = process(b"GIF89a\x01\0\x01\0\0\0\0").unwrap_err();
    assert!(matches!(
        gif,
        MediaError::UnsupportedFormat { format: "GIF" }
    ));
}

#[test]
fn oversized_input_is_refused() {
    let config = PhotoConfig {
        max_input_bytes: 1000,
        ..PhotoConfig::default()
    };
    let result = process_photo(&[0xFF; 1001], &config);
    assert!(matches!(
        result,
        Err(MediaError::InputTooLarge {
            bytes: 1001,
            limit: 1000
        })
    ));
}

#[test]
fn damaged_files_never_panic() {
    let rgb = photo::photo_rgb(64, 48, 5);
    let jpeg = photo::camera_jpeg(&rgb, 64, 48, Some(6), 90);
    let png = png_bytes(&rgb, 64, 48);
    let mut rng = Rng::new(7);
    for original in [jpeg, png] {
        for cut in (0..original.len()).step_by(17) {
            let _ = process(&original[..cut]);
        }
        for _ in 0..300 {
            let mut damaged = original.clone();
            for _ in 0..4 {
                let at = (rng.next_u64() % damaged.len() as u64) as usize;
                damaged[at] = rng.next_u64() as u8;
            }
            let _ = process(&damaged);
        }
    }
}

// ---- sizes, formats, hash ----

#[test]
fn small_photo_is_not_upscaled() {
    let rgb = photo::photo_rgb(640, 480, 6);
    let photo = process(&photo::camera_jpeg(&rgb, 640, 480, Some(1), 90)).unwrap();
    assert_eq!((photo.width, photo.height), (640, 480));
    assert_eq!(decode_rgb(&photo.jpeg).dimensions(), (640, 480));
    assert_eq!(decode_rgb(&photo.thumbnail).dimensions(), (320, 240));
}

#[test]
fn png_input_works() {
    let rgb = photo::photo_rgb(2000, 1000, 8);
    let photo = process(&png_bytes(&rgb, 2000, 1000)).unwrap();
    assert_eq!((photo.width, photo.height), (1600, 800));
    assert_eq!(decode_rgb(&photo.jpeg).dimensions(), (1600, 800));
    assert_eq!(decode_rgb(&photo.thumbnail).dimensions(), (320, 160));
    assert_no_metadata(&photo.jpeg);
}

#[test]
fn transparent_png_becomes_white() {
    let image = image::RgbaImage::from_pixel(32, 32, image::Rgba([0, 0, 0, 0]));
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let photo = process(&png).unwrap();
    assert_close(
        decode_rgb(&photo.jpeg).get_pixel(16, 16),
        [255, 255, 255],
        "flattened",
    );
}

#[test]
fn twelve_megapixel_photo_is_small_and_hashed() {
    let photo = process(&photo::camera_photo_12mp()).unwrap();
    assert_eq!((photo.width, photo.height), (1600, 1200));
    assert!(photo.jpeg.len() <= 350 * 1024, "{} bytes", photo.jpeg.len());
    let expected = ring::digest::digest(&ring::digest::SHA256, &photo.jpeg);
    assert_eq!(&photo.sha256[..], expected.as_ref());
    assert_eq!(decode_rgb(&photo.thumbnail).dimensions(), (320, 240));
}

#[test]
fn invalid_config_is_refused() {
    let config = PhotoConfig {
        jpeg_quality: 0,
        ..PhotoConfig::default()
    };
    let result = process_photo(&[0xFF, 0xD8, 0xFF], &config);
    assert!(matches!(result, Err(MediaError::InvalidConfig { .. })));
}

#[test]
fn debug_output_shows_no_bytes() {
    let rgb = photo::photo_rgb(64, 48, 9);
    let photo = process(&photo::camera_jpeg(&rgb, 64, 48, None, 90)).unwrap();
    let debug = format!("{photo:?}");
    assert!(debug.contains("jpeg_bytes") && debug.len() < 300, "{debug}");
}
