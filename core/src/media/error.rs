//! Errors of the photo pipeline.
//!
//! Messages are English sentences that say what was wrong with the file. They carry sizes and
//! format names only, never pixel data or metadata from the photo (which may hold a location).

/// Why a photo was refused or could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The bytes are a known image or media format other than JPEG or PNG.
    #[error("photo format {format} is not supported; use JPEG or PNG")]
    UnsupportedFormat {
        /// Name of the detected format, e.g. "HEIC".
        format: &'static str,
    },

    /// The bytes match no known image format (random data, an empty file, a text file, ...).
    #[error("the file is not a photo: its bytes match no known image format")]
    NotAnImage,

    /// The file is larger than `PhotoConfig::max_input_bytes`.
    #[error("photo file is {bytes} bytes, over the limit of {limit} bytes")]
    InputTooLarge {
        /// Size of the input.
        bytes: usize,
        /// Configured limit.
        limit: usize,
    },

    /// The declared dimensions exceed `PhotoConfig::max_pixels`.
    #[error("photo is {width} x {height} pixels, over the limit of {limit} pixels")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Configured limit.
        limit: u64,
    },

    /// The file ends before the image data is complete.
    #[error("photo file is truncated: it ends before the image data is complete")]
    Truncated,

    /// The file is structurally invalid.
    #[error("photo file is corrupt: {reason}")]
    Corrupt {
        /// What is wrong, in terms of the file structure only (never image content).
        reason: String,
    },

    /// The file uses a valid but unsupported coding feature (e.g. arithmetic-coded JPEG).
    #[error("photo uses {feature}, which is not supported; re-save it as a standard JPEG or PNG")]
    UnsupportedFeature {
        /// The feature, e.g. "arithmetic-coded JPEG".
        feature: &'static str,
    },

    /// Decoding would allocate more than `PhotoConfig::max_decode_alloc` (a decompression bomb).
    #[error("decoding the photo would need more memory than the decoder limit allows")]
    DecodeLimit,

    /// The JPEG encoder failed.
    #[error("could not encode the processed photo as JPEG: {reason}")]
    Encode {
        /// What went wrong.
        reason: String,
    },

    /// The `PhotoConfig` is unusable.
    #[error("invalid photo settings: {reason}")]
    InvalidConfig {
        /// Which setting is wrong.
        reason: &'static str,
    },
}

impl MediaError {
    pub(crate) fn corrupt(reason: &str) -> Self {
        MediaError::Corrupt {
            reason: reason.to_owned(),
        }
    }
}
