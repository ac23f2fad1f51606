//! Small photo-like JPEGs for the simulated phones: a house under a sky on some ground, or a signed
//! sheet of paper on a table, with light, colour and sensor noise varying by seed, so that photos
//! compress like camera pictures rather than like flat test patterns.

use image::{ImageFormat, RgbImage};

use super::dice::Dice;

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// The home from outside.
    House,
    /// A document: agreement, authorisation, entrustment letter.
    Document,
}

/// Why a photo could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// The encoder failed.
    #[error("cannot encode a demo photo: {0}")]
    Encode(#[from] image::ImageError),
    /// The pixel buffer did not match the size.
    #[error("demo photo buffer has the wrong size")]
    Size,
}

const W: u32 = 320;
const H: u32 = 240;

/// A JPEG of `scene`, different for every seed. Integer arithmetic on a plain buffer: the demo
/// makes hundreds of these, often in unoptimised builds.
pub fn jpeg(scene: Scene, seed: u64) -> Result<Vec<u8>, PhotoError> {
    let mut d = Dice::new("photo", seed);
    // Light in 1/256ths, a colour cast, and where things stand.
    let light = d.range(190, 290) as i32;
    let tint = [d.range(-12, 12), d.range(-12, 12), d.range(-12, 12)].map(|t| t as i32);
    let wall = [d.range(170, 230), d.range(160, 215), d.range(140, 200)].map(|c| c as i32);
    let roof = [d.range(60, 140), d.range(40, 80), d.range(30, 70)].map(|c| c as i32);
    let (w, h) = (W as i32, H as i32);
    let hx = d.range(40, 130) as i32;
    let hw = d.range(110, 160) as i32;
    let ground = d.range(150, 180) as i32;
    let roof_top = ground - 100;
    let paper_x = w / 2 + d.range(-20, 20) as i32;
    let mut noise = (d.next_u64() as u32) | 1;
    let mut buf = Vec::with_capacity((W * H * 3) as usize);
    for y in 0..h {
        // Wood grain of the table under a document: stripes that drift row by row.
        let drift = (y / 7) % 5;
        for x in 0..w {
            let base: [i32; 3] = match scene {
                Scene::House => {
                    let in_house = x >= hx && x < hx + hw;
                    let roof_line = roof_top + (x - hx - hw / 2).abs() / 2;
                    if in_house && y >= roof_top + 30 && y < ground {
                        let door = (x - (hx + hw / 2)).abs() < 12 && y > ground - 48;
                        let window = (x - hx - 28).abs() < 12 && (y - ground + 60).abs() < 11;
                        if door {
                            [90, 60, 40]
                        } else if window {
                            [70, 90, 110]
                        } else {
                            wall.map(|c| c - (y - roof_top) / 6)
                        }
                    } else if in_house && y >= roof_line && y < roof_top + 30 {
                        roof
                    } else if y >= ground {
                        let t = (y - ground) * 30 / (h - ground);
                        [110 - t, 120 - t / 2, 70 - t / 2]
                    } else {
                        let t = y * 80 / ground;
                        [120 + t, 160 + t * 3 / 4, 230 - t / 8]
                    }
                }
                Scene::Document => {
                    let (dx, dy) = (x - paper_x, y - h / 2);
                    if dx.abs() < 95 && dy.abs() < 110 {
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
                    }
                }
            };
            // Sensor noise (xorshift).
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let n = (noise % 15) as i32 - 7;
            for c in 0..3 {
                buf.push((base[c] * light / 256 + tint[c] + n).clamp(0, 255) as u8);
            }
        }
    }
    let img = RgbImage::from_raw(W, H, buf).ok_or(PhotoError::Size)?;
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn photos_decode_and_differ_by_seed() {
        let a = jpeg(Scene::House, 1).unwrap();
        let b = jpeg(Scene::House, 2).unwrap();
        let c = jpeg(Scene::Document, 1).unwrap();
        assert_ne!(a, b);
        for bytes in [&a, &b, &c] {
            assert!(
                bytes.len() > 3_000 && bytes.len() < 100_000,
                "{}",
                bytes.len()
            );
            let img = image::load_from_memory(bytes).unwrap();
            assert_eq!((img.width(), img.height()), (W, H));
        }
    }
}
