//! The `segql` command line.

mod cli;

use std::process::ExitCode;

/// The stack of the thread that parses, plans and drives queries, and of
/// the runtime's workers. DataFusion walks plans recursively, and a segment
/// of many conditions is a deep plan: the default 8 MiB (2 MiB for workers)
/// overflows at about 70 `and`s in a debug build. Only the pages a query
/// touches are ever used.
pub const STACK_BYTES: usize = 512 << 20;

fn main() -> ExitCode {
    match std::thread::Builder::new()
        .name("segql".into())
        .stack_size(STACK_BYTES)
        .spawn(cli::main)
    {
        Ok(thread) => thread.join().unwrap_or(ExitCode::from(101)),
        // No thread (a process limit): run here, with the default stack.
        Err(_) => cli::main(),
    }
}
