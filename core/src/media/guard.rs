//! Checks that run before any decoder sees the bytes: input size, format sniffing, and the
//! declared dimensions and decode memory read from the file header.
//!
//! Our own header parsing is deliberately small: it reads only what is needed to refuse a file
//! cheaply (dimensions, components, progressive flag, the EXIF block) and leaves the rest to the
//! decoders, which run with their own limits as a second line of defence.

use super::{MediaError, PhotoConfig};

/// The two input formats the pipeline accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    Png,
}

/// One JPEG component's sampling factors, as declared in the frame header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sampling {
    pub h: u8,
    pub v: u8,
}

/// What the header says about the image, read without decoding it.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// JPEG only: the component sampling factors (1, 3 or 4 entries).
    pub components: Vec<Sampling>,
    /// JPEG only: progressive files keep every DCT coefficient in memory while decoding.
    pub progressive: bool,
    /// PNG only: bytes per decoded pixel (colour type and bit depth).
    pub png_bytes_per_pixel: u64,
    /// JPEG only: the TIFF block of the first `Exif` APP1 segment.
    pub exif: Option<&'a [u8]>,
}

/// Refuses oversized or foreign files and reads the header; nothing is decoded yet.
pub(crate) fn inspect<'a>(input: &'a [u8], config: &PhotoConfig) -> Result<Header<'a>, MediaError> {
    if input.len() > config.max_input_bytes {
        return Err(MediaError::InputTooLarge {
            bytes: input.len(),
            limit: config.max_input_bytes,
        });
    }
    let header = match sniff(input)? {
        Format::Jpeg => jpeg_header(input)?,
        Format::Png => png_header(input)?,
    };
    let pixels = u64::from(header.width) * u64::from(header.height);
    if pixels > config.max_pixels {
        return Err(MediaError::TooManyPixels {
            width: header.width,
            height: header.height,
            limit: config.max_pixels,
        });
    }
    Ok(header)
}

/// Identifies the format from its magic bytes.
pub(crate) fn sniff(input: &[u8]) -> Result<Format, MediaError> {
    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    let unsupported = |format| Err(MediaError::UnsupportedFormat { format });
    if input.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if input.starts_with(PNG_MAGIC) {
        return Ok(Format::Png);
    }
    if input.starts_with(b"GIF87a") || input.starts_with(b"GIF89a") {
        return unsupported("GIF");
    }
    if input.len() >= 12 && &input[4..8] == b"ftyp" {
        return unsupported(match &input[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" => "HEIC",
            b"mif1" | b"msf1" => "HEIF",
            b"avif" | b"avis" => "AVIF",
            b"crx " => "Canon RAW",
            _ => "MP4/QuickTime video",
        });
    }
    if input.len() >= 12 && input.starts_with(b"RIFF") && &input[8..12] == b"WEBP" {
        return unsupported("WebP");
    }
    if input.starts_with(b"II*\0") || input.starts_with(b"MM\0*") {
        return unsupported("TIFF/RAW");
    }
    if input.starts_with(&[0, 0, 0, 0x0C, b'j', b'P', b' ', b' ']) {
        return unsupported("JPEG 2000");
    }
    if input.starts_with(&[0xFF, 0x0A]) || input.starts_with(&[0, 0, 0, 0x0C, b'J', b'X', b'L']) {
        return unsupported("JPEG XL");
    }
    if input.starts_with(b"BM") && input.len() >= 14 {
        return unsupported("BMP");
    }
    if input.starts_with(b"%PDF") {
        return unsupported("PDF");
    }
    Err(MediaError::NotAnImage)
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Walks the marker segments up to the frame header (SOF).
fn jpeg_header(input: &[u8]) -> Result<Header<'_>, MediaError> {
    let mut exif = None;
    let mut pos = 2;
    loop {
        let Some(&byte) = input.get(pos) else {
            return Err(MediaError::Truncated);
        };
        if byte != 0xFF {
            return Err(MediaError::corrupt(
                "a JPEG marker was expected between segments",
            ));
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while input.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = input.get(pos) else {
            return Err(MediaError::Truncated);
        };
        pos += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 | 0xDA => {
                return Err(MediaError::corrupt(
                    "the JPEG has no frame header before its data",
                ));
            }
            _ => {}
        }
        let length = usize::from(be16(input, pos).ok_or(MediaError::Truncated)?);
        if length < 2 {
            return Err(MediaError::corrupt("a JPEG segment has an invalid length"));
        }
        let segment = input
            .get(pos + 2..pos + length)
            .ok_or(MediaError::Truncated)?;
        pos += length;
        match marker {
            0xE1 if exif.is_none() && segment.starts_with(b"Exif\0\0") => {
                exif = Some(&segment[6..]);
            }
            // SOF markers; C4 (DHT), C8 (reserved) and CC (DAC) share the range but are not frames.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return jpeg_frame(marker, segment, exif);
            }
            _ => {}
        }
    }
}

fn jpeg_frame<'a>(
    marker: u8,
    segment: &[u8],
    exif: Option<&'a [u8]>,
) -> Result<Header<'a>, MediaError> {
    let unsupported = |feature| Err(MediaError::UnsupportedFeature { feature });
    match marker {
        0xC5..=0xC7 | 0xCD..=0xCF => return unsupported("hierarchical JPEG coding"),
        0xC9..=0xCB => return unsupported("arithmetic-coded JPEG"),
        _ => {}
    }
    let bad_frame = || MediaError::corrupt("the JPEG frame header is malformed");
    let height = be16(segment, 1).ok_or_else(bad_frame)?;
    let width = be16(segment, 3).ok_or_else(bad_frame)?;
    let count = usize::from(*segment.get(5).ok_or_else(bad_frame)?);
    if width == 0 {
        return Err(MediaError::corrupt("the JPEG declares a width of zero"));
    }
    if height == 0 {
        return unsupported("a JPEG whose height is defined after the image data (DNL)");
    }
    if !matches!(count, 1 | 3 | 4) {
        return Err(MediaError::corrupt(
            "the JPEG declares an unusual number of colour components",
        ));
    }
    let mut components = Vec::with_capacity(count);
    for i in 0..count {
        let factors = *segment.get(6 + i * 3 + 1).ok_or_else(bad_frame)?;
        let (h, v) = (factors >> 4, factors & 0x0F);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(MediaError::corrupt(
                "the JPEG declares invalid sampling factors",
            ));
        }
        components.push(Sampling { h, v });
    }
    Ok(Header {
        format: Format::Jpeg,
        width: u32::from(width),
        height: u32::from(height),
        components,
        progressive: marker == 0xC2,
        png_bytes_per_pixel: 0,
        exif,
    })
}

/// Reads the IHDR chunk, which the PNG specification requires to come first.
fn png_header(input: &[u8]) -> Result<Header<'_>, MediaError> {
    let chunk_len = be32(input, 8).ok_or(MediaError::Truncated)?;
    let chunk_type = input.get(12..16).ok_or(MediaError::Truncated)?;
    if chunk_len != 13 || chunk_type != b"IHDR" {
        return Err(MediaError::corrupt(
            "the PNG does not start with a valid IHDR chunk",
        ));
    }
    let width = be32(input, 16).ok_or(MediaError::Truncated)?;
    let height = be32(input, 20).ok_or(MediaError::Truncated)?;
    let depth = *input.get(24).ok_or(MediaError::Truncated)?;
    let colour = *input.get(25).ok_or(MediaError::Truncated)?;
    if width == 0 || height == 0 {
        return Err(MediaError::corrupt(
            "the PNG declares a width or height of zero",
        ));
    }
    let channels: u64 = match colour {
        0 => 1,
        2 => 3,
        // Palette images are expanded to RGBA when they carry transparency.
        3 => 4,
        4 => 2,
        6 => 4,
        _ => {
            return Err(MediaError::corrupt(
                "the PNG declares an unknown colour type",
            ));
        }
    };
    let bytes_per_channel = if depth == 16 { 2 } else { 1 };
    Ok(Header {
        format: Format::Png,
        width,
        height,
        components: Vec::new(),
        progressive: false,
        png_bytes_per_pixel: channels * bytes_per_channel,
        exif: None,
    })
}

/// The JPEG DCT scale (1, 2, 4 or 8) whose output still covers `target_long_side`.
pub(crate) fn jpeg_scale_denominator(header: &Header<'_>, target_long_side: u32) -> u32 {
    let long = header.width.max(header.height);
    // Mirrors jpeg-decoder's choice: the smallest output that is at least the target.
    [8u32, 4, 2]
        .into_iter()
        .find(|&d| long.div_ceil(d) >= target_long_side)
        .unwrap_or(1)
}

/// Upper bound of what the decoder will allocate for this header, in bytes.
pub(crate) fn decode_allocation(header: &Header<'_>, target_long_side: u32) -> u64 {
    let (w, h) = (u64::from(header.width), u64::from(header.height));
    match header.format {
        // The decoded image plus its 8-bit RGB copy.
        Format::Png => w * h * (header.png_bytes_per_pixel + 3),
        Format::Jpeg => {
            let d = u64::from(jpeg_scale_denominator(header, target_long_side));
            let h_max = u64::from(header.components.iter().map(|c| c.h).max().unwrap_or(1));
            let v_max = u64::from(header.components.iter().map(|c| c.v).max().unwrap_or(1));
            let mut total = 0;
            for c in &header.components {
                let cw = (w * u64::from(c.h)).div_ceil(h_max).next_multiple_of(8);
                let ch = (h * u64::from(c.v)).div_ceil(v_max).next_multiple_of(8);
                // Each component plane at the decoded scale.
                total += (cw / d + 8) * (ch / d + 8);
                if header.progressive {
                    // 64 coefficients of 2 bytes per 8x8 block, at full resolution.
                    total += cw * ch * 2;
                }
            }
            // The interleaved output image.
            let channels = header.components.len() as u64;
            total + w.div_ceil(d) * h.div_ceil(d) * channels
        }
    }
}
