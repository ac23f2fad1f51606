//! EXIF orientation: read the tag from the photo's EXIF block and turn the pixels upright, so
//! the output (which carries no EXIF) displays the same way the camera meant it.

use exif::{In, Reader, Tag};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use super::MediaError;
use super::decode::Rgb8;

/// The orientation stored in a raw EXIF (TIFF) block; upright when absent or unreadable.
///
/// A broken EXIF block does not make the photo unusable, so parse errors fall back to upright
/// instead of refusing the evidence.
pub(crate) fn from_exif(tiff: Option<&[u8]>) -> Orientation {
    let Some(tiff) = tiff else {
        return Orientation::NoTransforms;
    };
    let Ok(exif) = Reader::new().read_raw(tiff.to_vec()) else {
        tracing::debug!("photo EXIF block is unreadable; assuming upright");
        return Orientation::NoTransforms;
    };
    exif.get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|value| u8::try_from(value).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

/// Applies `orientation` to the pixels (width and height swap for the four 90-degree cases).
pub(crate) fn apply(pixels: Rgb8, orientation: Orientation) -> Result<Rgb8, MediaError> {
    if orientation == Orientation::NoTransforms {
        return Ok(pixels);
    }
    let buffer =
        RgbImage::from_raw(pixels.width, pixels.height, pixels.data).ok_or(MediaError::Encode {
            reason: "internal pixel buffer has the wrong size".to_owned(),
        })?;
    let mut image = DynamicImage::ImageRgb8(buffer);
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    Ok(Rgb8 {
        width,
        height,
        data: image.into_rgb8().into_raw(),
    })
}
