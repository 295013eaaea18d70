//! Lexical parsers: whitespace and comments, keywords, identifiers, strings,
//! numbers, dates and durations.
//!
//! Every token parser consumes the whitespace and comments after its token,
//! so the parsers built on them never see blanks. Each one is a nom parser
//! over [`Input`] returning our own [`PError`], which carries what was
//! expected in the user's terms.

use crate::ast::{Comment, Date, Duration, Ident, Number, Str, Unit};
use crate::diagnostic::{Diagnostic, codes, did_you_mean, quoted};
pub use crate::keywords::is_reserved;
use crate::parse::{
    Input, PError, PResult, State, cut, expecting, fail, failure, offset, span_from,
};
use crate::span::Span;
use nom::Input as _;
use std::borrow::Cow;

/// Finds every comment of the source, outside strings and back quotes.
pub fn scan_comments(source: &str) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' => i = quoted_end(bytes, i, bytes[i] == b'"') + 1,
            _ if starts_comment(bytes, i) => {
                let end = line_end(bytes, i);
                let trimmed = i + source[i..end].trim_end().len();
                comments.push(Comment {
                    text: source[i..trimmed].to_string(),
                    span: Span::new(i, trimmed),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    comments
}

/// True when a `#` or `--` comment starts at byte `at`.
pub fn starts_comment(bytes: &[u8], at: usize) -> bool {
    bytes[at..].starts_with(b"#") || bytes[at..].starts_with(b"--")
}

/// The end of the line byte `at` is on: its newline, or the end of the text.
pub fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |n| at + n)
}

/// Where the quoted text that opens at `start` (a `"` string or a
/// back-quoted name) stops: at its closing quote, or where its line ends
/// when it has none. With `escapes`, a backslash escapes the byte after it.
pub fn quoted_end(bytes: &[u8], start: usize, escapes: bool) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
        if escapes && bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i
}

/// `COMMENT := ( "#" | "--" ) { any character but newline }`
///
/// Skips whitespace and comments.
pub fn ws(i: Input) -> PResult<()> {
    let text = *i.fragment();
    let bytes = text.as_bytes();
    let mut n = 0;
    loop {
        while n < bytes.len() && bytes[n].is_ascii_whitespace() {
            n += 1;
        }
        if !starts_comment(bytes, n) {
            break;
        }
        n = line_end(bytes, n);
    }
    Ok((i.take_from(n), ()))
}

fn lexeme<'a>(i: Input<'a>, len: usize) -> PResult<'a, Span> {
    let start = offset(&i);
    let rest = i.take_from(len);
    let (rest, ()) = ws(rest)?;
    Ok((rest, Span::new(start, start + len)))
}

/// [`lexeme`], with the lexeme's text.
fn lexeme_text<'a>(i: Input<'a>, len: usize) -> PResult<'a, (String, Span)> {
    let text = i.fragment()[..len].to_string();
    let (rest, span) = lexeme(i, len)?;
    Ok((rest, (text, span)))
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The bare word at the start of the input (letters, digits, `_`), if any.
pub fn peek_word<'a>(i: &Input<'a>) -> &'a str {
    let text: &'a str = i.fragment();
    let bytes = text.as_bytes();
    if bytes
        .first()
        .is_none_or(|b| !(b.is_ascii_alphabetic() || *b == b'_'))
    {
        return "";
    }
    let n = bytes.iter().take_while(|b| is_word_char(**b)).count();
    &text[..n]
}

/// True when the input starts with the keyword `word` as a whole word.
pub fn at_keyword(i: &Input, word: &str) -> bool {
    peek_word(i).eq_ignore_ascii_case(word)
}

/// A keyword, case-insensitive and whole-word: `kw("in")` does not match
/// the start of `index`.
pub fn kw<'a>(word: &'static str) -> impl FnMut(Input<'a>) -> PResult<'a, Span> {
    move |i: Input<'a>| {
        if at_keyword(&i, word) {
            lexeme(i, word.len())
        } else {
            Err(nom::Err::Error(PError::expected(
                offset(&i),
                Cow::Owned(format!("`{word}`")),
            )))
        }
    }
}

/// The input after the keyword `word` when it starts here: [`kw`] for a
/// word read from the input rather than one of the grammar.
pub fn skip_keyword<'a>(i: Input<'a>, word: &str) -> Option<Input<'a>> {
    if !at_keyword(&i, word) {
        return None;
    }
    lexeme(i, word.len()).ok().map(|(rest, _)| rest)
}

/// A punctuation token such as `(`, `=` or `<=`.
pub fn sym<'a>(symbol: &'static str) -> impl FnMut(Input<'a>) -> PResult<'a, Span> {
    move |i: Input<'a>| {
        if i.fragment().starts_with(symbol) {
            lexeme(i, symbol.len())
        } else {
            Err(nom::Err::Error(PError::expected(
                offset(&i),
                Cow::Owned(format!("`{symbol}`")),
            )))
        }
    }
}

/// `ident := [A-Za-z_][A-Za-z0-9_]* { "." [A-Za-z_][A-Za-z0-9_]* } | "`" ... "`"`,
/// not a reserved word.
pub fn ident(i: Input) -> PResult<Ident> {
    let start = offset(&i);
    let text = *i.fragment();
    if text.starts_with('`') {
        return quoted_ident(i);
    }
    let bytes = text.as_bytes();
    let mut n = peek_word(&i).len();
    if n == 0 {
        return fail(&i, "a name");
    }
    if is_reserved(&text[..n]) {
        return fail(&i, "a name");
    }
    // Dotted parts: `geo.country`.
    while n < bytes.len()
        && bytes[n] == b'.'
        && bytes
            .get(n + 1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        n += 1;
        while n < bytes.len() && is_word_char(bytes[n]) {
            n += 1;
        }
    }
    let (rest, (name, span)) = lexeme_text(i, n)?;
    debug_assert_eq!(span.start, start);
    Ok((
        rest,
        Ident {
            name,
            quoted: false,
            span,
        },
    ))
}

/// A back-quoted identifier; a back quote inside is written twice.
fn quoted_ident(i: Input) -> PResult<Ident> {
    let start = offset(&i);
    let text = *i.fragment();
    let mut name = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '`' if chars.peek().map(|(_, c)| *c) == Some('`') => {
                chars.next();
                name.push('`');
            }
            '`' => {
                if name.is_empty() {
                    return failure(
                        start,
                        Diagnostic::error(codes::SYNTAX, "a back-quoted name cannot be empty")
                            .with_span(Span::new(start, start + at + 1))
                            .with_label("empty name"),
                    );
                }
                let (rest, span) = lexeme(i, at + 1)?;
                return Ok((
                    rest,
                    Ident {
                        name,
                        quoted: true,
                        span,
                    },
                ));
            }
            '\n' => break,
            c => name.push(c),
        }
    }
    let line_end = text.find('\n').unwrap_or(text.len());
    failure(
        start,
        Diagnostic::error(
            codes::UNTERMINATED_IDENTIFIER,
            "this back-quoted name has no closing back quote",
        )
        .with_span(Span::new(start, start + line_end))
        .with_label("the name starts here and the line ends before its closing back quote")
        .with_help(match text[1..line_end].split_whitespace().next() {
            Some(first) => {
                format!(
                    "close the name with a back quote on the same line, e.g. `` `{}` ``",
                    quoted(first)
                )
            }
            None => "close the name with a back quote on the same line".to_string(),
        }),
    )
}

/// `STRING := '"' { char | escape } '"'`, escapes `\"`, `\\`, `\n`, `\t`.
pub fn string(i: Input) -> PResult<Str> {
    let start = offset(&i);
    let text = *i.fragment();
    if !text.starts_with('"') {
        return fail(&i, "a quoted string");
    }
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                let (rest, span) = lexeme(i, at + 1)?;
                return Ok((rest, Str { value, span }));
            }
            '\\' => match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((esc_at, other)) => {
                    let span = Span::new(start + at, start + esc_at + other.len_utf8());
                    return failure(
                        start + at,
                        Diagnostic::error(
                            codes::INVALID_ESCAPE,
                            format!("unknown escape `\\{other}` in a string"),
                        )
                        .with_span(span)
                        .with_label("not an escape segql knows")
                        .with_help(r#"the escapes are \" \\ \n and \t; write \\ for a backslash"#),
                    );
                }
                None => break,
            },
            '\n' => {
                return failure(
                    start,
                    Diagnostic::error(codes::UNTERMINATED_STRING, "this string is not closed")
                        .with_span(Span::new(start, start + at))
                        .with_label("the string starts here and the line ends before its closing quote")
                        .with_help("close the string with `\"` on the same line; write \\n for a line break"),
                );
            }
            c => value.push(c),
        }
    }
    failure(
        start,
        Diagnostic::error(codes::UNTERMINATED_STRING, "this string is not closed")
            .with_span(Span::new(start, start + text.trim_end().len()))
            .with_label("the string starts here and the text ends before its closing quote")
            .with_help("add the closing `\"`"),
    )
}

/// `INT := digit { digit }`.
pub fn int(i: Input) -> PResult<(u64, Span)> {
    let start = offset(&i);
    let text = *i.fragment();
    let n = text.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return fail(&i, "a whole number");
    }
    if text[n..]
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'.')
        && !is_unit_start(&text[n..])
    {
        // `30mins`: a unit glued to the number, but not one segql knows.
        let after = i.take_from(n);
        if let Some(diagnostic) = unknown_unit(&after, peek_word(&after)) {
            return Err(nom::Err::Error(PError::custom(start, diagnostic)));
        }
        return fail(&i, "a whole number");
    }
    let Ok(value) = text[..n].parse::<u64>() else {
        return failure(
            start,
            Diagnostic::error(codes::INVALID_NUMBER, "this number is too large")
                .with_span(Span::new(start, start + n))
                .with_label("more than 18446744073709551615"),
        );
    };
    // A unit may follow with no space (`30m`): do not eat it as part of the
    // number, and only skip blanks when none follows.
    let rest = i.take_from(n);
    let (rest, ()) = ws(rest)?;
    Ok((rest, (value, Span::new(start, start + n))))
}

fn is_unit_start(text: &str) -> bool {
    let word: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    unit_from_word(&word).is_some()
}

/// `NUMBER := [ "+" | "-" ] INT [ "." digits ] [ ("e"|"E") [sign] digits ]`, kept as
/// written.
pub fn number(i: Input) -> PResult<Number> {
    let text = *i.fragment();
    let bytes = text.as_bytes();
    let mut n = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        n += 1;
    }
    let digits = bytes[n..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return fail(&i, "a number");
    }
    n += digits;
    if bytes.get(n) == Some(&b'.') && bytes.get(n + 1).is_some_and(u8::is_ascii_digit) {
        n += 1;
        n += bytes[n..].iter().take_while(|b| b.is_ascii_digit()).count();
    }
    if matches!(bytes.get(n), Some(b'e' | b'E')) {
        let mut m = n + 1;
        if matches!(bytes.get(m), Some(b'+' | b'-')) {
            m += 1;
        }
        let exp = bytes[m..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp > 0 {
            n = m + exp;
        }
    }
    if bytes.get(n).is_some_and(|b| is_word_char(*b)) {
        return fail(&i, "a number");
    }
    let (rest, (text, span)) = lexeme_text(i, n)?;
    Ok((rest, Number { text, span }))
}

/// `DATE := YYYY-MM-DD [ "T" hh:mm:ss [ "." fraction ] ( "Z" | ("+"|"-") hh:mm ) ]`,
/// a real calendar date. A time is an instant: UTC with `Z`, or the local
/// time of the offset it carries. A bare date is kept as UTC midnight here;
/// resolution moves it to the reporting time zone's midnight.
pub fn date(i: Input) -> PResult<Date> {
    let start = offset(&i);
    let text = *i.fragment();
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let s = text.get(from..from + len)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (digits(0, 4), digits(5, 2), digits(8, 2)) else {
        return fail(&i, "a date such as 2026-01-31");
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return fail(&i, "a date such as 2026-01-31");
    }
    let mut n = 10;
    let mut micros_of_day = 0i64;
    let mut date_only = true;
    if b.get(10) == Some(&b'T') {
        date_only = false;
        let time_error = |help: String| {
            failure(
                start,
                Diagnostic::error(
                    codes::INVALID_DATE,
                    "this timestamp is not of the form 2026-01-31T10:00:00Z",
                )
                .with_span(Span::new(start, start + word_len(text)))
                .with_label("not a timestamp segql can read")
                .with_help(help),
            )
        };
        let general =
            || "write the time as hh:mm:ss followed by Z (UTC), e.g. 2026-01-31T10:00:00Z".into();
        let (Some(h), Some(m), Some(s)) = (digits(11, 2), digits(14, 2), digits(17, 2)) else {
            return time_error(general());
        };
        if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') || h > 23 || m > 59 || s > 59 {
            return time_error(general());
        }
        n = 19;
        let mut frac_micros = 0;
        if b.get(n) == Some(&b'.') {
            let frac: String = text[n + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if frac.is_empty() {
                return time_error(general());
            }
            if frac.len() > 6 {
                // Event times are microseconds: a finer fraction could
                // only be cut, which would change what it compares with.
                return time_error(
                    "a fraction of a second has at most 6 digits (microseconds), e.g. 2026-01-31T10:00:00.123456Z".into(),
                );
            }
            n += 1 + frac.len();
            let padded = format!("{frac:0<6}");
            frac_micros = padded.parse::<i64>().unwrap_or(0);
        }
        micros_of_day = ((h * 60 + m) * 60 + s) * 1_000_000 + frac_micros;
        match b.get(n) {
            Some(b'Z') => n += 1,
            Some(sign @ (b'+' | b'-')) => {
                // An offset: `+01:00` is one hour ahead of UTC.
                let (Some(oh), Some(om)) = (digits(n + 1, 2), digits(n + 4, 2)) else {
                    return time_error(offset_help());
                };
                if b.get(n + 3) != Some(&b':') || oh > 14 || om > 59 || oh * 60 + om > 14 * 60 {
                    return time_error(offset_help());
                }
                let offset_micros = (oh * 60 + om) * 60_000_000;
                micros_of_day -= if *sign == b'+' {
                    offset_micros
                } else {
                    -offset_micros
                };
                n += 6;
            }
            // The usual slip: no zone at all.
            Some(c) if is_word_char(*c) || *c == b':' => return time_error(general()),
            _ => {
                return time_error(format!(
                    "end a time with Z (UTC) or an offset such as +01:00: write {}Z",
                    &text[..n]
                ));
            }
        }
    }
    // `--` after a date starts a comment, not more of the date.
    let comment_follows = b.get(n..n + 2) == Some(b"--".as_slice());
    if !comment_follows
        && b.get(n)
            .is_some_and(|c| is_word_char(*c) || *c == b'-' || *c == b':')
    {
        return failure(
            start,
            Diagnostic::error(codes::INVALID_DATE, "this is not a date segql can read")
                .with_span(Span::new(start, start + word_len(text)))
                .with_label(
                    "expected 2026-01-31, 2026-01-31T10:00:00Z or 2026-01-31T10:00:00+01:00",
                ),
        );
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return failure(
            start,
            Diagnostic::error(
                codes::INVALID_DATE,
                format!("{} is not a date in the calendar", &text[..10]),
            )
            .with_span(Span::new(start, start + 10))
            .with_label(if (1..=12).contains(&month) {
                const MONTHS: [&str; 12] = [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ];
                let days = days_in_month(year, month);
                if day < 1 {
                    "days are numbered from 01".to_string()
                } else {
                    format!("{} {year} has {days} days", MONTHS[month as usize - 1])
                }
            } else {
                format!("there is no month {month}")
            })
            .with_help("dates are written year-month-day, e.g. 2026-01-31"),
        );
    }
    let epoch_micros = days_from_civil(year, month, day) * 86_400_000_000 + micros_of_day;
    let (rest, (text, span)) = lexeme_text(i, n)?;
    Ok((
        rest,
        Date {
            text,
            epoch_micros,
            date_only,
            span,
        },
    ))
}

fn offset_help() -> String {
    "an offset is written ±hh:mm, at most 14 hours, e.g. 2026-01-31T10:00:00+01:00".into()
}

fn word_len(text: &str) -> usize {
    text.find(|c: char| c.is_whitespace() || c == ';' || c == ')' || c == ',')
        .unwrap_or(text.len())
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The unit a word names, if any: `second(s) minute(s) hour(s) day(s)
/// week(s) month(s)` and `s m h d w`.
pub fn unit_from_word(word: &str) -> Option<Unit> {
    Some(match word.to_ascii_lowercase().as_str() {
        "s" | "second" | "seconds" => Unit::Second,
        "m" | "minute" | "minutes" => Unit::Minute,
        "h" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "month" | "months" => Unit::Month,
        _ => return None,
    })
}

/// `UNIT := "second" | "seconds" | ... | "s" | "m" | "h" | "d" | "w"`, a whole word.
pub fn unit(i: Input) -> PResult<(Unit, Span)> {
    let word = peek_word(&i);
    match unit_from_word(word) {
        Some(u) => {
            let (rest, span) = lexeme(i, word.len())?;
            Ok((rest, (u, span)))
        }
        None => match unknown_unit(&i, word) {
            Some(diagnostic) => Err(nom::Err::Error(PError::custom(offset(&i), diagnostic))),
            None => fail(&i, "a unit: seconds, minutes, hours, days or weeks"),
        },
    }
}

/// A word where a unit was expected that is a unit in other tools (`mins`,
/// `hrs`, `years`) or a typo of one (`dayz`): says which unit to write.
fn unknown_unit(i: &Input, word: &str) -> Option<Diagnostic> {
    if word.is_empty() {
        return None;
    }
    let help = match word.to_ascii_lowercase().as_str() {
        "min" | "mins" | "mn" => "write `minutes` (or `m`)".to_string(),
        "sec" | "secs" => "write `seconds` (or `s`)".to_string(),
        "hr" | "hrs" => "write `hours` (or `h`)".to_string(),
        "wk" | "wks" => "write `weeks` (or `w`)".to_string(),
        "mo" | "mos" | "mon" | "mth" | "mths" => {
            "write `months` (30 days each; allowed in ranges only)".to_string()
        }
        "y" | "yr" | "yrs" | "year" | "years" => {
            "there is no year unit: write `12 months` in a range, or `365 days`".to_string()
        }
        "ms" | "millisecond" | "milliseconds" => {
            "the smallest unit is the second: write `1 second`".to_string()
        }
        _ => {
            let units = ["seconds", "minutes", "hours", "days", "weeks", "months"];
            format!("did you mean `{}`?", did_you_mean(word, units)?)
        }
    };
    let at = offset(i);
    Some(
        Diagnostic::error(
            codes::UNKNOWN_KEYWORD,
            format!("`{}` is not a unit of time", quoted(word)),
        )
        .with_span(Span::new(at, at + word.len()))
        .with_label("expected seconds, minutes, hours, days or weeks")
        .with_help(help),
    )
}

/// `DURATION := INT UNIT` (`30m` and `30 minutes` alike).
pub fn duration(i: Input) -> PResult<Duration> {
    let start = offset(&i);
    let (rest, (count, _)) = expecting("a duration such as `30 minutes` or `1 day`", int)(i)?;
    let (rest, (unit, _)) = cut(unit)(rest)?;
    Ok((
        rest,
        Duration {
            count,
            unit,
            span: span_from(start, &rest),
        },
    ))
}

/// Reads a whole text as a `DURATION` (`30m`, `30 minutes`, `2h`), for
/// settings outside the language's texts such as `--sessions`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    whole(text, duration)
}

/// `parser` over the whole of `text` (outer blanks aside), for settings
/// written outside a segql text.
fn whole<O>(text: &str, parser: impl for<'a> Fn(Input<'a>) -> PResult<'a, O>) -> Option<O> {
    let text = text.trim();
    let state = State::new(text);
    match parser(Input::new_extra(text, &state)) {
        Ok((rest, o)) if rest.fragment().is_empty() => Some(o),
        _ => None,
    }
}

/// Describes the token at `offset` for "found ..." in messages.
pub fn describe_token(source: &str, offset: usize) -> (String, Span) {
    let rest = &source[offset.min(source.len())..];
    let Some(first) = rest.chars().next() else {
        return ("the end of the text".into(), Span::at(source.len()));
    };
    let len = if first == '"' || first == '`' {
        let close = rest[1..].find([first, '\n']).map_or(rest.len(), |n| n + 2);
        close.min(rest.find('\n').unwrap_or(rest.len()).max(1))
    } else if first.is_ascii_alphanumeric() || first == '_' {
        // A number-like token keeps its slashes: `01/31/2026` is one mistake.
        let slash = first.is_ascii_digit();
        rest.find(|c: char| {
            !(c.is_ascii_alphanumeric()
                || c == '_'
                || c == '.'
                || c == '-'
                || c == ':'
                || (slash && c == '/'))
        })
        .unwrap_or(rest.len())
    } else if rest.starts_with("<=") || rest.starts_with(">=") || rest.starts_with("!=") {
        2
    } else {
        first.len_utf8()
    };
    (
        format!("`{}`", quoted(&rest[..len])),
        Span::new(offset, offset + len),
    )
}

/// Reads a whole text as a `DATE` literal (`2026-01-31`,
/// `2026-01-31T10:00:00Z` or `2026-01-31T11:00:00+01:00`): epoch
/// microseconds, a bare date as UTC midnight.
pub fn parse_instant(text: &str) -> Option<i64> {
    parse_date(text).map(|d| d.epoch_micros)
}

/// Reads a whole text as a `DATE` literal, for command-line flags such as
/// `--now` (where a bare date is midnight of the reporting time zone).
pub fn parse_date(text: &str) -> Option<Date> {
    whole(text, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_is_utc_or_carries_its_offset() {
        let utc = parse_instant("2026-03-01T09:00:00Z").unwrap();
        assert_eq!(parse_instant("2026-03-01T10:00:00+01:00"), Some(utc));
        assert_eq!(parse_instant("2026-03-01T03:30:00-05:30"), Some(utc));
        assert_eq!(parse_instant("2026-03-01T14:45:00.000+05:45"), Some(utc));
        let date = parse_date("2026-03-01T10:00:00+01:00").unwrap();
        assert!(!date.date_only);
        assert_eq!(date.text, "2026-03-01T10:00:00+01:00");
        assert!(parse_date("2026-03-01").unwrap().date_only);
        for bad in [
            "2026-03-01T10:00:00",
            "2026-03-01T10:00:00+1",
            "2026-03-01T10:00:00+0100",
            "2026-03-01T10:00:00+15:00",
            "2026-03-01T10:00:00+01:60",
            "2026-03-01T10:00:00+01:00Z",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
