//! Processes one 4000 x 3000 camera photo once, for measuring peak memory:
//!
//! ```sh
//! cargo build --release -p fieldvisit-core --example photo_peak_mem
//! /usr/bin/time -v target/release/examples/photo_peak_mem             # generated photo
//! /usr/bin/time -v target/release/examples/photo_peak_mem --write p.jpg   # just write it
//! /usr/bin/time -v target/release/examples/photo_peak_mem p.jpg       # process a file
//! ```
//!
//! `/usr/bin/time` reports the process's "Maximum resident set size". With a file argument the
//! process only reads the file and runs the pipeline, so that figure is the pipeline's peak. When
//! it generates the photo itself, it also resets the kernel's high-water mark after generation
//! (`/proc/self/clear_refs`) and prints `VmHWM`, the peak of the pipeline alone.

use fieldvisit_sim::photo;

use fieldvisit_core::media::{PhotoConfig, process_photo};

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = match args.as_slice() {
        [flag, path] if flag == "--write" => {
            std::fs::write(path, photo::camera_photo_12mp())?;
            return Ok(());
        }
        [path] => std::fs::read(path)?,
        _ => {
            let input = photo::camera_photo_12mp();
            println!("after generating the input: VmHWM {:?} KiB", vm_hwm_kib());
            // "5" resets the peak-RSS counter (Linux 4.0+), so what follows is the pipeline's.
            if std::fs::write("/proc/self/clear_refs", "5").is_err() {
                println!("could not reset the high-water mark; the peak includes generation");
            }
            input
        }
    };
    let photo = process_photo(&input, &PhotoConfig::default())?;
    println!(
        "input {} bytes -> {}x{} JPEG {} bytes, thumbnail {} bytes, sha256 {}",
        input.len(),
        photo.width,
        photo.height,
        photo.jpeg.len(),
        photo.thumbnail.len(),
        hex::encode(photo.sha256)
    );
    println!("pipeline peak: VmHWM {:?} KiB", vm_hwm_kib());
    Ok(())
}
