//! Downscaling with fast_image_resize (SIMD convolution). Never upscales.

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::MediaError;
use super::decode::Rgb8;

/// The size that fits `width` x `height` into a `long_side` square, keeping the aspect ratio;
/// the size itself when it already fits.
pub(crate) fn fit_within(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_side {
        return (width, height);
    }
    let scale = |v: u32| {
        let scaled = (u64::from(v) * u64::from(long_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(long_side).max(1)
    };
    (scale(width), scale(height))
}

/// Reusable resizer: keeps its scratch buffers between the main image and the thumbnail.
pub(crate) struct Downscaler {
    resizer: Resizer,
    options: ResizeOptions,
}

impl std::fmt::Debug for Downscaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downscaler").finish_non_exhaustive()
    }
}

impl Downscaler {
    pub(crate) fn new() -> Self {
        Self {
            resizer: Resizer::new(),
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        }
    }

    /// Resizes to exactly `width` x `height`; returns the input untouched when the size matches.
    pub(crate) fn resize(
        &mut self,
        src: Rgb8,
        width: u32,
        height: u32,
    ) -> Result<Rgb8, MediaError> {
        if src.width == width && src.height == height {
            return Ok(src);
        }
        self.resize_ref(&src, width, height)
    }

    /// Like `resize`, but leaves the source in place (for the thumbnail).
    pub(crate) fn resize_ref(
        &mut self,
        src: &Rgb8,
        width: u32,
        height: u32,
    ) -> Result<Rgb8, MediaError> {
        let internal = |_| MediaError::Encode {
            reason: "the image could not be resized".to_owned(),
        };
        let src_view = fast_image_resize::images::ImageRef::new(
            src.width,
            src.height,
            &src.data,
            PixelType::U8x3,
        )
        .map_err(internal)?;
        let mut dst = Image::new(width, height, PixelType::U8x3);
        self.resizer
            .resize(&src_view, &mut dst, &self.options)
            .map_err(|_| MediaError::Encode {
                reason: "the image could not be resized".to_owned(),
            })?;
        Ok(Rgb8 {
            width,
            height,
            data: dst.into_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fit_within;

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit_within(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_within(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit_within(800, 600, 1600), (800, 600));
        assert_eq!(fit_within(100_000, 1, 1600), (1600, 1));
    }
}
