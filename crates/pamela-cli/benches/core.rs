//! `cargo bench -p pamela-cli`: prints the core benchmark figures (see `pamela_cli::bench`).

fn main() {
    // `cargo bench` passes `--bench`; a filter argument limits the largest size, e.g. `1000000`.
    let max = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<u64>().ok())
        .unwrap_or(10_000_000);
    if let Err(e) = pamela_cli::bench::run(max, &mut std::io::stdout()) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}
