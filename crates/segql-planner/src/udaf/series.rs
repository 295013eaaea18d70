//! `segql_numbers(first, last)`: the whole numbers from `first` to `last`,
//! a list, which an unnest turns into rows. Lifecycle and stickiness report
//! every period of a span whose ends the data may decide (no range: the
//! first and the last matching event), periods without events included;
//! DataFusion has no series over computed bounds without its nested
//! functions.

use datafusion_common::arrow::array::{Array, AsArray, Int64Array, ListArray};
use datafusion_common::arrow::buffer::OffsetBuffer;
use datafusion_common::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion_common::{Result, exec_err};
use datafusion_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// The most numbers one row may ask for: a century of days is 36,525.
const MAX_NUMBERS: i64 = 10_000_000;

/// The scalar function `segql_numbers(first, last)` (Int64 arguments): the
/// list `[first, first + 1, ..., last]`; empty when `last < first` or either
/// is null.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Numbers {
    signature: Signature,
}

impl Numbers {
    pub const NAME: &'static str = "segql_numbers";

    pub fn call(first: Expr, last: Expr) -> Expr {
        Self::function().call(vec![first, last])
    }

    /// The function as DataFusion calls it (it has no parameters).
    pub fn function() -> ScalarUDF {
        ScalarUDF::from(Numbers {
            signature: Signature::exact(
                vec![DataType::Int64, DataType::Int64],
                Volatility::Immutable,
            ),
        })
    }

    fn item() -> Arc<Field> {
        Arc::new(Field::new_list_field(DataType::Int64, false))
    }
}

impl ScalarUDFImpl for Numbers {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Self::item()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let [first, last] = args.args.as_slice() else {
            return exec_err!("{} takes a first and a last number", Self::NAME);
        };
        let (first, last) = (first.to_array(rows)?, last.to_array(rows)?);
        let (Some(first), Some(last)) = (
            first.as_primitive_opt::<Int64Type>(),
            last.as_primitive_opt::<Int64Type>(),
        ) else {
            return exec_err!("{} takes Int64 numbers", Self::NAME);
        };
        let mut lengths = Vec::with_capacity(rows);
        let mut values = Vec::new();
        for row in 0..rows {
            if first.is_null(row) || last.is_null(row) || last.value(row) < first.value(row) {
                lengths.push(0);
                continue;
            }
            let (from, to) = (first.value(row), last.value(row));
            if to.saturating_sub(from) >= MAX_NUMBERS {
                return exec_err!(
                    "the data spans {} periods, more than {MAX_NUMBERS} can be reported: \
                     give the analysis a range",
                    to.saturating_sub(from).saturating_add(1)
                );
            }
            values.extend(from..=to);
            lengths.push((to - from + 1) as usize);
        }
        let list = ListArray::try_new(
            Self::item(),
            OffsetBuffer::from_lengths(lengths),
            Arc::new(Int64Array::from(values)),
            None,
        )?;
        Ok(ColumnarValue::Array(Arc::new(list)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_common::ScalarValue;
    use datafusion_common::config::ConfigOptions;

    fn numbers(first: Option<i64>, last: Option<i64>) -> Vec<Option<Vec<i64>>> {
        let args = ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Scalar(ScalarValue::Int64(first)),
                ColumnarValue::Scalar(ScalarValue::Int64(last)),
            ],
            arg_fields: (0..2)
                .map(|_| Arc::new(Field::new("a", DataType::Int64, true)))
                .collect(),
            number_rows: 1,
            return_field: Arc::new(Field::new("r", DataType::List(Numbers::item()), false)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        let ColumnarValue::Array(list) = Numbers::function().invoke_with_args(args).unwrap() else {
            panic!("an array")
        };
        list.as_list::<i32>()
            .iter()
            .map(|l| l.map(|l| l.as_primitive::<Int64Type>().values().to_vec()))
            .collect()
    }

    #[test]
    fn from_first_to_last_inclusive() {
        assert_eq!(numbers(Some(-1), Some(2)), [Some(vec![-1, 0, 1, 2])]);
        assert_eq!(numbers(Some(5), Some(5)), [Some(vec![5])]);
    }

    #[test]
    fn empty_when_reversed_or_unknown() {
        assert_eq!(numbers(Some(3), Some(2)), [Some(vec![])]);
        assert_eq!(numbers(None, Some(2)), [Some(vec![])]);
    }
}
