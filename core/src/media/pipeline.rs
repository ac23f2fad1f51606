//! `process_photo`: guard, decode (DCT-scaled), downscale, orient, encode, thumbnail, hash.

use ring::digest::{SHA256, digest};

use super::decode::decode;
use super::encode::encode_jpeg;
use super::guard::{decode_allocation, inspect};
use super::resize::{Downscaler, fit_within};
use super::{MediaError, PhotoConfig, ProcessedPhoto, orientation};

/// Runs the whole pipeline on one photo; see the module documentation.
pub fn process_photo(input: &[u8], config: &PhotoConfig) -> Result<ProcessedPhoto, MediaError> {
    validate(config)?;
    let header = inspect(input, config)?;
    // Refuse a decompression bomb from its header, before the decoder allocates anything; the
    // decoders' own limits (set in `decode`) are the second line.
    if decode_allocation(&header, config.max_long_side) > config.max_decode_alloc {
        return Err(MediaError::DecodeLimit);
    }
    let (width, height) = fit_within(header.width, header.height, config.max_long_side);
    let decoded = decode(input, &header, config.max_long_side, config)?;
    let orientation = orientation::from_exif(header.exif.or(decoded.exif.as_deref()));

    // Resize before rotating: the rotation then touches 1600 px, not the decoded size.
    let mut scaler = Downscaler::new();
    let resized = scaler.resize(decoded.pixels, width, height)?;
    let upright = orientation::apply(resized, orientation)?;

    // The thumbnail is made on a second thread while the photo is encoded: both only read
    // `upright`, and encoding is the longest step after decoding.
    let (thumb_w, thumb_h) = fit_within(upright.width, upright.height, config.thumbnail_long_side);
    let (jpeg, thumbnail) = std::thread::scope(|scope| {
        let thumbnail = scope.spawn(|| {
            let thumb = Downscaler::new().resize_ref(&upright, thumb_w, thumb_h)?;
            encode_jpeg(&thumb, config.jpeg_quality)
        });
        let jpeg = encode_jpeg(&upright, config.jpeg_quality);
        let thumbnail = thumbnail.join().unwrap_or_else(|_| {
            Err(MediaError::Encode {
                reason: "the thumbnail could not be made".to_owned(),
            })
        });
        jpeg.and_then(|jpeg| Ok((jpeg, thumbnail?)))
    })?;

    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(digest(&SHA256, &jpeg).as_ref());
    Ok(ProcessedPhoto {
        jpeg,
        thumbnail,
        width: upright.width,
        height: upright.height,
        sha256,
    })
}

fn validate(config: &PhotoConfig) -> Result<(), MediaError> {
    let invalid = |reason| Err(MediaError::InvalidConfig { reason });
    if !(1..=65_535).contains(&config.max_long_side) {
        return invalid("max_long_side must be between 1 and 65535 pixels");
    }
    if !(1..=65_535).contains(&config.thumbnail_long_side) {
        return invalid("thumbnail_long_side must be between 1 and 65535 pixels");
    }
    if !(1..=100).contains(&config.jpeg_quality) {
        return invalid("jpeg_quality must be between 1 and 100");
    }
    Ok(())
}
