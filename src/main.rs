//! The `segql` command line.

// A diagnostic is returned at most once per file and then printed; boxing it
// would only add noise to every signature.
#![allow(clippy::result_large_err)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
