//! Made-up photos for tests and benchmarks, here because the photo pipeline's own tests need them
//! and the core depends on nothing above it (`fieldvisit-sim` hands them to everyone else, with
//! the `fixtures` feature): a house under a sky on a field, or a signed sheet of paper on a table,
//! with texture, hard edges and sensor noise, so they compress like camera pictures rather than
//! like flat test patterns; encoded as a phone camera would (JPEG 4:2:0 with EXIF orientation,
//! GPS, a capture time and a maker note, an XMP packet, an APP13 block and a comment), so the
//! pipeline has what it must strip. Also the malformed files it must refuse (a PNG bomb, a header
//! without pixels). The same seed gives the same picture.

/// Deterministic xorshift64* generator (no dependency, same sequence everywhere).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Roughly normal noise in -`amp`..=`amp` (sum of two uniforms).
    fn noise(&mut self, amp: i32) -> i32 {
        let r = self.next_u64();
        let a = (r & 0xFFFF) as i32;
        let b = ((r >> 16) & 0xFFFF) as i32;
        (a + b - 0xFFFF) * amp / 0xFFFF
    }
}

/// Smooth value noise in 0..1 over a lattice of `cell` pixels.
fn value_noise(x: u32, y: u32, cell: u32, seed: u64) -> f32 {
    let hash = |ix: u32, iy: u32| {
        let mut h =
            u64::from(ix).wrapping_mul(0x9E37_79B9) ^ u64::from(iy).wrapping_mul(0x85EB_CA6B);
        h ^= seed;
        h = (h ^ (h >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 29)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((h >> 40) & 0xFFFF) as f32 / 65535.0
    };
    let (ix, iy) = (x / cell, y / cell);
    let fx = (x % cell) as f32 / cell as f32;
    let fy = (y % cell) as f32 / cell as f32;
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let top = hash(ix, iy) * (1.0 - sx) + hash(ix + 1, iy) * sx;
    let bottom = hash(ix, iy + 1) * (1.0 - sx) + hash(ix + 1, iy + 1) * sx;
    top * (1.0 - sy) + bottom * sy
}

/// A sheet of ruled paper with a signature, lying on a wooden table: RGB, `width * height * 3`
/// bytes. Drawn on a 320×240 plan and scaled.
pub fn document_rgb(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0xD0C);
    let mut pick = |lo: i64, hi: i64| lo + (rng.next_u64() % (hi - lo + 1) as u64) as i64;
    let light = pick(190, 290);
    let tint = [pick(-12, 12), pick(-12, 12), pick(-12, 12)];
    let paper_x = 160 + pick(-20, 20);
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for py in 0..height {
        let y = i64::from(py) * 240 / i64::from(height.max(1));
        // Wood grain: stripes that drift row by row.
        let drift = (y / 7) % 5;
        for px in 0..width {
            let x = i64::from(px) * 320 / i64::from(width.max(1));
            let (dx, dy) = (x - paper_x, y - 120);
            let base: [i64; 3] = if dx.abs() < 95 && dy.abs() < 110 {
                let line = (dy + 100).rem_euclid(12) < 2 && dx.abs() < 78 && dy < 70;
                let signature = dy > 80
                    && dy < 100
                    && dx > 15
                    && dx < 80
                    && (dy - 90 - (dx % 16 - 8).abs() / 2).abs() < 2;
                if line || signature {
                    [50, 50, 70]
                } else {
                    [235, 232, 225]
                }
            } else {
                let g = ((x + drift * 3) % 23) * 2;
                [120 + g, 80 + g / 2, 50]
            };
            for c in 0..3 {
                let noise = i64::from(rng.noise(7));
                out.push((base[c] * light / 256 + tint[c] + noise).clamp(0, 255) as u8);
            }
        }
    }
    out
}

/// A photo-like RGB image of a house under a sky on a field, `width * height * 3` bytes.
pub fn photo_rgb(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    let (wf, hf) = (width as f32, height as f32);
    let house = (wf * 0.55, hf * 0.30, wf * 0.85, hf * 0.62);
    let sun = (wf * 0.2, hf * 0.15, hf * 0.07);
    for y in 0..height {
        let v = y as f32 / hf;
        for x in 0..width {
            let u = x as f32 / wf;
            let horizon = 0.45 + 0.04 * (u * 9.0).sin() + 0.02 * (u * 23.0).cos();
            let (xf, yf) = (x as f32, y as f32);
            let mut rgb = if v < horizon {
                // Sky: vertical gradient with soft clouds.
                let cloud =
                    value_noise(x, y, 180, seed) * 0.6 + value_noise(x, y, 45, seed ^ 7) * 0.4;
                let c = (cloud - 0.5).max(0.0) * 2.0;
                [
                    90.0 + 100.0 * v + 120.0 * c,
                    140.0 + 70.0 * v + 90.0 * c,
                    230.0 - 30.0 * v + 20.0 * c,
                ]
            } else {
                // Field: green-brown with grass texture at two scales and furrows.
                let t =
                    value_noise(x, y, 24, seed ^ 3) * 0.6 + value_noise(x, y, 6, seed ^ 5) * 0.4;
                let furrow = ((yf * 0.35 + (xf * 0.01).sin() * 8.0).sin() * 0.5 + 0.5) * 25.0;
                [
                    70.0 + 60.0 * t + furrow,
                    95.0 + 70.0 * t + furrow * 0.5,
                    40.0 + 30.0 * t,
                ]
            };
            // House: plaster wall with a brick-like pattern, dark windows, a hard roof line.
            if xf >= house.0 && xf < house.2 && yf >= house.1 && yf < house.3 {
                let brick = if (y / 12) % 2 == 0 {
                    x % 40 < 2
                } else {
                    (x + 20) % 40 < 2
                } || y % 12 < 2;
                let shade = if brick { 150.0 } else { 205.0 };
                let grain = value_noise(x, y, 4, seed ^ 11) * 30.0;
                rgb = [shade + grain, shade * 0.92 + grain, shade * 0.8 + grain];
                let wx = ((xf - house.0) / (house.2 - house.0) * 6.0).fract();
                let wy = ((yf - house.1) / (house.3 - house.1) * 3.0).fract();
                if (0.25..0.75).contains(&wx) && (0.3..0.7).contains(&wy) {
                    rgb = [30.0 + 20.0 * wy, 35.0 + 20.0 * wy, 45.0 + 25.0 * wy];
                }
            } else if yf < house.1 && yf >= house.1 - (house.2 - house.0) * 0.25 {
                let half = (house.2 - house.0) / 2.0;
                let mid = house.0 + half;
                let rise = (house.1 - yf) / ((house.2 - house.0) * 0.25);
                if (xf - mid).abs() < half * (1.0 - rise) {
                    let tile = if (y / 9 + x / 15) % 2 == 0 { 0.0 } else { 18.0 };
                    rgb = [150.0 + tile, 60.0 + tile * 0.5, 45.0];
                }
            }
            let (dx, dy) = (xf - sun.0, yf - sun.1);
            if dx * dx + dy * dy < sun.2 * sun.2 {
                rgb = [255.0, 245.0, 200.0];
            }
            for c in rgb {
                let value = c as i32 + rng.noise(10);
                out.push(value.clamp(0, 255) as u8);
            }
        }
    }
    out
}

/// A raw EXIF (TIFF, little-endian) block with orientation, GPS, capture time and a maker note.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    type Entry = (u16, u16, u32, Vec<u8>);
    fn ifd_size(entries: &[Entry]) -> usize {
        let data: usize = entries
            .iter()
            .map(|e| if e.3.len() > 4 { e.3.len() } else { 0 })
            .sum();
        2 + entries.len() * 12 + 4 + data
    }
    fn write_ifd(out: &mut Vec<u8>, entries: &[Entry]) {
        let start = out.len();
        let mut data_at = start + 2 + entries.len() * 12 + 4;
        let mut data = Vec::new();
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            if value.len() > 4 {
                out.extend_from_slice(&(data_at as u32).to_le_bytes());
                data.extend_from_slice(value);
                data_at += value.len();
            } else {
                let mut inline = value.clone();
                inline.resize(4, 0);
                out.extend_from_slice(&inline);
            }
        }
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&data);
    }
    let rational = |values: &[(u32, u32)]| -> Vec<u8> {
        values
            .iter()
            .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
            .collect()
    };
    let (ascii, short, long, rat, undef) = (2u16, 3u16, 4u16, 5u16, 7u16);
    let exif_ifd: Vec<Entry> = vec![
        (0x9003, ascii, 20, b"2026:11:29 10:00:00\0".to_vec()),
        (0x927C, undef, 24, b"SECRET-MAKER-NOTE-SERIAL".to_vec()),
    ];
    let gps_ifd: Vec<Entry> = vec![
        (0x0001, ascii, 2, b"N\0".to_vec()),
        (0x0002, rat, 3, rational(&[(29, 1), (34, 1), (1234, 100)])),
        (0x0003, ascii, 2, b"E\0".to_vec()),
        (0x0004, rat, 3, rational(&[(106, 1), (33, 1), (5678, 100)])),
    ];
    let mut ifd0: Vec<Entry> = vec![
        (0x010F, ascii, 9, b"FieldCam\0".to_vec()),
        (0x0112, short, 1, orientation.to_le_bytes().to_vec()),
        (0x8769, long, 1, vec![0; 4]),
        (0x8825, long, 1, vec![0; 4]),
    ];
    // Pointer values do not change the layout, so sizes are known before they are filled in.
    let exif_at = 8 + ifd_size(&ifd0);
    let gps_at = exif_at + ifd_size(&exif_ifd);
    ifd0[2].3 = (exif_at as u32).to_le_bytes().to_vec();
    ifd0[3].3 = (gps_at as u32).to_le_bytes().to_vec();
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    write_ifd(&mut out, &ifd0);
    write_ifd(&mut out, &exif_ifd);
    write_ifd(&mut out, &gps_ifd);
    out
}

/// Encodes RGB pixels the way a phone camera would: JPEG 4:2:0 with EXIF (when `orientation`
/// is given), XMP, APP13 and a comment segment.
pub fn camera_jpeg(
    rgb: &[u8],
    width: u16,
    height: u16,
    orientation: Option<u16>,
    quality: u8,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    if let Some(orientation) = orientation {
        let _ = encoder.add_exif_metadata(&exif_tiff(orientation));
    }
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>29,34.2N</exif:GPSLatitude></x:xmpmeta>";
    let _ = encoder.add_app_segment(1, xmp.to_vec());
    let _ = encoder.add_app_segment(13, b"Photoshop 3.0\0IPTC-caption".to_vec());
    if encoder
        .encode(rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .is_err()
    {
        return Vec::new();
    }
    // A COM segment right after SOI.
    let comment = b"household 42, Village Road";
    let mut com = vec![0xFF, 0xFE];
    com.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    com.extend_from_slice(comment);
    out.splice(2..2, com);
    out
}

/// The 4000 x 3000 camera photo used by the benchmark and the peak-memory example.
pub fn camera_photo_12mp() -> Vec<u8> {
    camera_jpeg(&photo_rgb(4000, 3000, 0x5EED), 4000, 3000, Some(1), 92)
}

/// The markers of every segment before the first scan (SOS included), in file order.
pub fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let marker = jpeg[pos + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]) as usize;
        pos += 2 + len;
    }
    markers
}

/// CRC-32 (PNG chunks), bitwise: fixtures are small enough.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// PNG signature and IHDR only: what a file declaring `width` x `height` starts with.
pub fn png_header_only(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, colour_type, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    out
}

/// LSB-first bit writer for hand-made deflate streams.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// Huffman codes are packed most significant bit first.
    fn code(&mut self, code: u32, count: u32) {
        let reversed = code.reverse_bits() >> (32 - count);
        self.put(reversed, count);
    }
}

/// A zlib stream of `n` zero bytes, about 1:1000 compressed (fixed Huffman, 258-byte matches).
fn zlib_zeros(n: u64) -> Vec<u8> {
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman
    bits.code(0x30, 8); // literal 0
    let mut left = n - 1;
    while left >= 258 {
        bits.code(0xC5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    // Adler-32 of zeros: s1 stays 1, s2 grows by 1 per byte.
    let adler = (((n % 65521) as u32) << 16) | 1;
    let mut out = bits.out;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

/// A valid PNG of `side` x `side` black RGBA 16-bit pixels: `side^2 * 8` bytes once decoded
/// from a file about a thousand times smaller.
pub fn png_bomb(side: u32) -> Vec<u8> {
    let mut out = png_header_only(side, side, 16, 6);
    let raw = u64::from(side) * (1 + u64::from(side) * 8);
    png_chunk(&mut out, b"IDAT", &zlib_zeros(raw));
    png_chunk(&mut out, b"IEND", &[]);
    out
}
