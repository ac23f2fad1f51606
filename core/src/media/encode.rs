//! JPEG encoding with jpeg-encoder (AVX2 when the CPU has it). The encoder writes only a JFIF
//! APP0 header: no EXIF, XMP, ICC or comment segments, so nothing from the input survives.

use jpeg_encoder::{ColorType, Encoder};

use super::MediaError;
use super::decode::Rgb8;

/// Encodes 8-bit RGB as a baseline 4:2:0 JPEG with the standard Huffman tables.
pub(crate) fn encode_jpeg(pixels: &Rgb8, quality: u8) -> Result<Vec<u8>, MediaError> {
    let too_large = || MediaError::Encode {
        reason: "the image is larger than JPEG allows (65535 pixels a side)".to_owned(),
    };
    let width = u16::try_from(pixels.width).map_err(|_| too_large())?;
    let height = u16::try_from(pixels.height).map_err(|_| too_large())?;
    // Roughly 1 byte per 10 pixels at quality 80 keeps reallocations to one or two.
    let mut out = Vec::with_capacity(pixels.data.len() / 10);
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    // No optimised Huffman tables: jpeg-encoder 0.7.1's optimised tables are misread by
    // zune-jpeg 0.5 (what `image` uses), so other apps could show a broken photo.
    encoder
        .encode(&pixels.data, width, height, ColorType::Rgb)
        .map_err(|e| MediaError::Encode {
            reason: e.to_string(),
        })?;
    Ok(out)
}
