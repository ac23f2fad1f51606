//! Photo pipeline benchmark on a generated 4000 x 3000 camera JPEG.
//!
//! `cargo bench -p fieldvisit-core --bench photo_pipeline` compares, in the same run:
//! - `fast`: `media::process_photo` (DCT-scaled decode, SIMD resize, SIMD encode, thumbnail, hash);
//! - `naive`: `image::load_from_memory` -> `resize` Lanczos3 -> `JpegEncoder` q80;
//! - `turbojpeg` (with `--features bench-turbojpeg`): the same steps as `fast`, with
//!   libjpeg-turbo doing the scaled decode and both encodes.
//!
//! Before criterion runs, a plain median-of-N summary prints the three medians, their ratios and
//! the output sizes, so one run gives every figure the issue asks for.

use fieldvisit_sim::photo;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use fieldvisit_core::media::{PhotoConfig, process_photo};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

fn fast(input: &[u8]) -> Vec<u8> {
    process_photo(input, &PhotoConfig::default())
        .expect("the bench photo is valid")
        .jpeg
}

fn naive(input: &[u8]) -> Vec<u8> {
    let image = image::load_from_memory(input).expect("the bench photo is valid");
    let resized = image.resize(1600, 1600, FilterType::Lanczos3);
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&resized)
        .expect("encoding succeeds");
    out
}

#[cfg(feature = "bench-turbojpeg")]
mod turbo {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    use turbojpeg::{Compressor, Decompressor, PixelFormat, Subsamp};

    fn resize(resizer: &mut Resizer, src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
        let src = ImageRef::new(sw, sh, src, PixelType::U8x3).expect("buffer matches");
        let mut dst = Image::new(dw, dh, PixelType::U8x3);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        resizer
            .resize(&src, &mut dst, &options)
            .expect("resize succeeds");
        dst.into_vec()
    }

    fn compress(pixels: &[u8], width: usize, height: usize) -> Vec<u8> {
        let mut compressor = Compressor::new().expect("turbojpeg initialises");
        compressor.set_quality(80);
        compressor.set_subsamp(Subsamp::Sub2x2);
        let image = turbojpeg::Image {
            pixels,
            width,
            pitch: width * 3,
            height,
            format: PixelFormat::RGB,
        };
        compressor
            .compress_to_vec(image)
            .expect("encoding succeeds")
    }

    /// The `fast` pipeline's steps with libjpeg-turbo for the JPEG work (no orientation: the
    /// bench photo is upright, where `fast` does no work for it either).
    pub fn pipeline(input: &[u8]) -> Vec<u8> {
        let mut decompressor = Decompressor::new().expect("turbojpeg initialises");
        let header = decompressor
            .read_header(input)
            .expect("the bench photo is valid");
        // Asking for the half size makes libjpeg-turbo pick DCT scaling, as `fast` does.
        let (sw, sh) = (header.width.div_ceil(2), header.height.div_ceil(2));
        let mut decoded = turbojpeg::Image {
            pixels: vec![0u8; sw * sh * 3],
            width: sw,
            pitch: sw * 3,
            height: sh,
            format: PixelFormat::RGB,
        };
        decompressor
            .decompress(input, decoded.as_deref_mut())
            .expect("decoding succeeds");
        let mut resizer = Resizer::new();
        let (w, h) = (1600, 1200);
        let main = resize(&mut resizer, &decoded.pixels, sw as u32, sh as u32, w, h);
        let jpeg = compress(&main, w as usize, h as usize);
        let thumb = resize(&mut resizer, &main, w, h, 320, 240);
        let thumbnail = compress(&thumb, 320, 240);
        let hash = ring::digest::digest(&ring::digest::SHA256, &jpeg);
        std::hint::black_box((&thumbnail, hash));
        jpeg
    }
}

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2].as_secs_f64() * 1000.0
}

fn summary(input: &[u8]) {
    let fast_ms = median_ms(15, || {
        black_box(fast(black_box(input)));
    });
    let naive_ms = median_ms(5, || {
        black_box(naive(black_box(input)));
    });
    let photo = process_photo(input, &PhotoConfig::default()).expect("the bench photo is valid");
    println!(
        "photo_pipeline summary: input {} bytes (4000x3000); output {}x{} {} bytes, thumbnail {} bytes; naive output {} bytes",
        input.len(),
        photo.width,
        photo.height,
        photo.jpeg.len(),
        photo.thumbnail.len(),
        naive(input).len()
    );
    println!(
        "photo_pipeline summary: fast median {fast_ms:.1} ms, naive median {naive_ms:.1} ms, naive/fast {:.1}x",
        naive_ms / fast_ms
    );
    #[cfg(feature = "bench-turbojpeg")]
    {
        let turbo_ms = median_ms(15, || {
            black_box(turbo::pipeline(black_box(input)));
        });
        println!(
            "photo_pipeline summary: turbojpeg median {turbo_ms:.1} ms ({} bytes), fast/turbojpeg {:.2}x",
            turbo::pipeline(input).len(),
            fast_ms / turbo_ms
        );
    }
}

fn main() {
    let input = photo::camera_photo_12mp();
    summary(&input);

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("photo_pipeline");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("fast", |b| b.iter(|| fast(black_box(&input))));
    #[cfg(feature = "bench-turbojpeg")]
    group.bench_function("turbojpeg", |b| {
        b.iter(|| turbo::pipeline(black_box(&input)))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("naive", |b| b.iter(|| naive(black_box(&input))));
    group.finish();
    criterion.final_summary();
}
