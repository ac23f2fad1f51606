//! Decoding to 8-bit RGB. JPEG goes through jpeg-decoder with DCT scaling, so a 12 MP photo
//! headed for 1600 px is decoded at half size and never exists in memory at full size. PNG goes
//! through `image` with its allocation limits.

use std::io::{Cursor, ErrorKind};
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::codecs::png::PngDecoder;
use image::error::ImageError;
use image::{DynamicImage, ImageDecoder, Limits};
use jpeg_decoder::{Error as JpegError, PixelFormat, UnsupportedFeature};

use super::guard::{Format, Header};
use super::resize::fit_within;
use super::{MediaError, PhotoConfig};

/// A tightly packed 8-bit RGB image.
pub(crate) struct Rgb8 {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Rgb8 {
    // Pixels are photo content: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rgb8({} x {})", self.width, self.height)
    }
}

/// The decoded pixels, plus the EXIF block when the decoder (not the header walk) found it.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub pixels: Rgb8,
    pub exif: Option<Vec<u8>>,
}

/// Decodes at the smallest size that still covers `target_long_side`.
pub(crate) fn decode(
    input: &[u8],
    header: &Header<'_>,
    target_long_side: u32,
    config: &PhotoConfig,
) -> Result<Decoded, MediaError> {
    // The decoders are third-party parsers of hostile input; a panic inside one must become an
    // error, not a crash of the app (this works where panics unwind, the default).
    let result = catch_unwind(AssertUnwindSafe(|| match header.format {
        Format::Jpeg => decode_jpeg(input, header, target_long_side, config),
        Format::Png => decode_png(input, config),
    }));
    result.unwrap_or_else(|_| Err(MediaError::corrupt("the decoder rejected the image data")))
}

fn decode_jpeg(
    input: &[u8],
    header: &Header<'_>,
    target_long_side: u32,
    config: &PhotoConfig,
) -> Result<Decoded, MediaError> {
    let mut decoder = jpeg_decoder::Decoder::new(input);
    decoder.set_max_decoding_buffer_size(
        usize::try_from(config.max_decode_alloc).unwrap_or(usize::MAX),
    );
    let (w, h) = fit_within(header.width, header.height, target_long_side);
    let requested = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    decoder
        .scale(requested(w), requested(h))
        .map_err(jpeg_error)?;
    let data = decoder.decode().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| MediaError::corrupt("the JPEG frame header is missing"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let pixels = width as usize * height as usize;
    if data.len() < pixels * info.pixel_format.pixel_bytes() {
        return Err(MediaError::Truncated);
    }
    let data = match info.pixel_format {
        PixelFormat::RGB24 => data,
        PixelFormat::L8 => data.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::L16 => data
            .chunks_exact(2)
            .flat_map(|l| [l[0], l[0], l[0]])
            .collect(),
        // jpeg-decoder has already undone Adobe's inversion: these are ink amounts.
        PixelFormat::CMYK32 => data
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                let ink = |c: u8| ((255 - u16::from(c)) * k / 255) as u8;
                [ink(p[0]), ink(p[1]), ink(p[2])]
            })
            .collect(),
    };
    Ok(Decoded {
        pixels: Rgb8 {
            width,
            height,
            data,
        },
        exif: None,
    })
}

fn jpeg_error(error: JpegError) -> MediaError {
    match error {
        JpegError::Io(e) if e.kind() == ErrorKind::UnexpectedEof => MediaError::Truncated,
        JpegError::Io(_) => MediaError::corrupt("the JPEG data could not be read"),
        JpegError::Format(ref message) if message.contains("exceeds maximum allowed size") => {
            MediaError::DecodeLimit
        }
        // The decoder's messages describe structure, but we keep our own wording so that no
        // byte of the file can ever reach a log through an error.
        JpegError::Format(_) | JpegError::Internal(_) => {
            MediaError::corrupt("the JPEG image data is malformed")
        }
        JpegError::Unsupported(feature) => MediaError::UnsupportedFeature {
            feature: match feature {
                UnsupportedFeature::Hierarchical => "hierarchical JPEG coding",
                UnsupportedFeature::ArithmeticEntropyCoding => "arithmetic-coded JPEG",
                UnsupportedFeature::SamplePrecision(_) => {
                    "a JPEG sample precision other than 8 bits"
                }
                UnsupportedFeature::ComponentCount(_) => {
                    "an unusual number of JPEG colour components"
                }
                UnsupportedFeature::DNL => {
                    "a JPEG whose height is defined after the image data (DNL)"
                }
                UnsupportedFeature::SubsamplingRatio
                | UnsupportedFeature::NonIntegerSubsamplingRatio => {
                    "an unusual JPEG chroma subsampling"
                }
                UnsupportedFeature::ColorTransform(_) => "an unusual JPEG colour transform",
            },
        },
    }
}

fn decode_png(input: &[u8], config: &PhotoConfig) -> Result<Decoded, MediaError> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(config.max_decode_alloc);
    let mut decoder = PngDecoder::with_limits(Cursor::new(input), limits).map_err(png_error)?;
    // `with_limits` bounds the decoder's internal buffers only; the output image and its RGB
    // copy are allocated by us, so they are checked here.
    let (width, height) = decoder.dimensions();
    let rgb_copy = u64::from(width) * u64::from(height) * 3;
    let needed = decoder.total_bytes().saturating_add(rgb_copy);
    if needed > config.max_decode_alloc {
        return Err(MediaError::DecodeLimit);
    }
    let exif = decoder.exif_metadata().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(png_error)?;
    let rgb = if image.color().has_alpha() {
        flatten_on_white(image)
    } else {
        image.into_rgb8()
    };
    Ok(Decoded {
        pixels: Rgb8 {
            width: rgb.width(),
            height: rgb.height(),
            data: rgb.into_raw(),
        },
        exif,
    })
}

/// JPEG has no alpha: transparent areas become white, as they look on a page.
fn flatten_on_white(image: DynamicImage) -> image::RgbImage {
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let data = rgba
        .into_raw()
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        })
        .collect();
    image::RgbImage::from_raw(width, height, data).unwrap_or_default()
}

fn png_error(error: ImageError) -> MediaError {
    match error {
        ImageError::Limits(_) => MediaError::DecodeLimit,
        ImageError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => MediaError::Truncated,
        ImageError::Decoding(ref e) if is_png_eof(e) => MediaError::Truncated,
        ImageError::Unsupported(_) => MediaError::UnsupportedFeature {
            feature: "a PNG feature this decoder cannot read",
        },
        _ => MediaError::corrupt("the PNG image data is malformed"),
    }
}

/// The png crate reports a short file as a decoding error wrapping an `UnexpectedEof`.
fn is_png_eof(error: &image::error::DecodingError) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>()
            && io.kind() == ErrorKind::UnexpectedEof
        {
            return true;
        }
        if inner.to_string().contains("end of") || inner.to_string().to_lowercase().contains("eof")
        {
            return true;
        }
        source = inner.source();
    }
    false
}
