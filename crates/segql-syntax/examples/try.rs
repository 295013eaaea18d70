fn main() {
    let src = std::env::args().nth(1).unwrap();
    match segql_syntax::parse(&src) {
        Ok(p) => {
            for s in &p.statements {
                println!("{s}");
            }
            println!(
                "{:?}",
                p.statements.iter().map(|s| s.span).collect::<Vec<_>>()
            );
        }
        Err(ds) => {
            for d in ds {
                println!("{d:?}");
            }
        }
    }
}
