//! The SQL dialects segql writes, and what segql changes of DataFusion's
//! own dialects.

use datafusion::logical_expr::Expr;
use datafusion::sql::sqlparser::ast;
use datafusion::sql::unparser::Unparser;
use datafusion::sql::unparser::dialect::{
    CharacterLengthStyle, DefaultDialect, Dialect, DistinctFromStyle, DuckDBDialect, MySqlDialect,
    PostgreSqlDialect, SqliteDialect,
};

/// The SQL dialects segql writes. MySQL and SQLite are best effort: the
/// unparser knows their quoting and types, but functions the plans use
/// (`date_trunc`, `strpos`, `string_agg`, window frames over integers) are
/// missing or spelled differently there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDialect {
    /// DataFusion's own SQL: what `datafusion-cli` and the tests run.
    Default,
    Postgres,
    DuckDb,
    MySql,
    Sqlite,
}

impl SqlDialect {
    pub fn name(self) -> &'static str {
        match self {
            SqlDialect::Default => "default",
            SqlDialect::Postgres => "postgres",
            SqlDialect::DuckDb => "duckdb",
            SqlDialect::MySql => "mysql",
            SqlDialect::Sqlite => "sqlite",
        }
    }

    pub(super) fn unparser_dialect(self) -> Box<dyn Dialect> {
        match self {
            SqlDialect::Default => Box::new(DefaultDialect {}),
            SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
            SqlDialect::DuckDb => Box::new(DuckDb(DuckDBDialect::new())),
            SqlDialect::MySql => Box::new(MySqlDialect {}),
            SqlDialect::Sqlite => Box::new(SqliteDialect {}),
        }
    }
}

/// DataFusion's DuckDB dialect, but dividing with `/`: it writes every
/// division as DuckDB's integer division `//`, which would truncate the
/// conversion ratios. The plans' integer divisions are exact (weeks between
/// week starts) and cast to an integer, so `/` is right for both.
struct DuckDb(DuckDBDialect);

impl Dialect for DuckDb {
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.0.identifier_quote_style(identifier)
    }

    fn character_length_style(&self) -> CharacterLengthStyle {
        self.0.character_length_style()
    }

    fn division_operator(&self) -> ast::BinaryOperator {
        ast::BinaryOperator::Divide
    }

    fn scalar_function_to_sql_overrides(
        &self,
        unparser: &Unparser,
        func_name: &str,
        args: &[Expr],
    ) -> datafusion::error::Result<Option<ast::Expr>> {
        self.0
            .scalar_function_to_sql_overrides(unparser, func_name, args)
    }

    fn distinct_from_style(&self) -> DistinctFromStyle {
        self.0.distinct_from_style()
    }
}
