// The expression parser: precedence, literals, and errors that point at the right place.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rankflow/core/error.hpp"
#include "rankflow/expr/ast.hpp"

namespace rankflow::expr {
namespace {

// The tree as an S-expression: "(and (> qty 5) (!= category 'misc'))".
std::string sexpr(const Node& node) {
  auto children = [&](std::string head) {
    for (const auto& child : node.children) head += " " + sexpr(*child);
    return "(" + head + ")";
  };
  switch (node.kind) {
    case NodeKind::kColumn:
      return node.column;
    case NodeKind::kLiteral:
      switch (node.literal.kind) {
        case LiteralKind::kNull:
          return "null";
        case LiteralKind::kBool:
          return node.literal.boolean ? "true" : "false";
        case LiteralKind::kInt64:
          return fmt::format("{}", node.literal.i64);
        case LiteralKind::kFloat64:
          return fmt::format("{}f", node.literal.f64);
        case LiteralKind::kString:
          return "'" + node.literal.text + "'";
        case LiteralKind::kDate:
          return fmt::format("date:{}", node.literal.i64);
        case LiteralKind::kTimestamp:
          return fmt::format("ts:{}", node.literal.i64);
      }
      return "?";
    case NodeKind::kUnary:
      return children(node.unary_op == UnaryOp::kNot ? "not" : "neg");
    case NodeKind::kBinary:
      return children(std::string(binary_op_text(node.binary_op)));
    case NodeKind::kIsNull:
      return children(node.negated ? "notnull" : "isnull");
    case NodeKind::kCall:
      return children(std::string(function_name(node.function)));
  }
  return "?";
}

std::string tree(const std::string& text) { return sexpr(parse(text).root()); }

// The message of the ConfigError that parsing `text` throws.
std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    return error.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return "";
}

TEST(ExprParser, IssueExamples) {
  EXPECT_EQ(tree("qty > 5 and category != \"misc\""), "(and (> qty 5) (!= category 'misc'))");
  EXPECT_EQ(tree("value * qty"), "(* value qty)");
}

TEST(ExprParser, Precedence) {
  EXPECT_EQ(tree("a + b * c - d"), "(- (+ a (* b c)) d)");
  EXPECT_EQ(tree("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(tree("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(tree("a / b // c % d"), "(% (// (/ a b) c) d)");
  EXPECT_EQ(tree("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(tree("- -a"), "(neg (neg a))");
  EXPECT_EQ(tree("+a"), "a");
  EXPECT_EQ(tree("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(tree("not a = b"), "(not (= a b))");
  EXPECT_EQ(tree("not not a"), "(not (not a))");
  EXPECT_EQ(tree("not(a)"), "(not a)");
  EXPECT_EQ(tree("a = not b and c"), "(and (= a (not b)) c)");
  EXPECT_EQ(tree("a + 1 is null"), "(isnull (+ a 1))");
  EXPECT_EQ(tree("a is not null and b is null"), "(and (notnull a) (isnull b))");
  EXPECT_EQ(tree("a = b is null"), "(isnull (= a b))");
  EXPECT_EQ(tree("a < b or a >= c"), "(or (< a b) (>= a c))");
}

TEST(ExprParser, OperatorSpellings) {
  EXPECT_EQ(tree("a = 1"), "(= a 1)");
  EXPECT_EQ(tree("a == 1"), "(= a 1)");
  EXPECT_EQ(tree("a != 1"), "(!= a 1)");
  EXPECT_EQ(tree("a <> 1"), "(!= a 1)");
  EXPECT_EQ(tree("a<=1"), "(<= a 1)");
  EXPECT_EQ(tree("a AND B Or NOT c IS NOT NULL"), "(or (and a B) (not (notnull c)))");
}

TEST(ExprParser, Literals) {
  EXPECT_EQ(tree("42"), "42");
  EXPECT_EQ(tree("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(tree("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(tree("1.5"), "1.5f");
  EXPECT_EQ(tree(".5"), "0.5f");
  EXPECT_EQ(tree("1e3"), "1000f");
  EXPECT_EQ(tree("2.5E-1"), "0.25f");
  EXPECT_EQ(tree("true"), "true");
  EXPECT_EQ(tree("FALSE"), "false");
  EXPECT_EQ(tree("Null"), "null");
  EXPECT_EQ(tree("date '1970-01-02'"), "date:1");
  EXPECT_EQ(tree("timestamp '1970-01-01T00:00:01Z'"), "ts:1000000");
  EXPECT_EQ(tree("DATE \"1969-12-31\""), "date:-1");
}

TEST(ExprParser, StringLiteralsAndEscapes) {
  EXPECT_EQ(tree("'misc'"), "'misc'");
  EXPECT_EQ(tree("\"misc\""), "'misc'");
  EXPECT_EQ(tree("'it''s'"), "'it's'");
  EXPECT_EQ(tree("\"say \"\"hi\"\"\""), "'say \"hi\"'");
  EXPECT_EQ(tree("'a\\'b'"), "'a'b'");
  EXPECT_EQ(tree("\"a\\\"b\""), "'a\"b'");
  EXPECT_EQ(tree("'tab\\there'"), "'tab\there'");
  EXPECT_EQ(tree("'back\\\\slash'"), "'back\\slash'");
  EXPECT_EQ(tree("'line\\nnext'"), "'line\nnext'");
  EXPECT_EQ(tree("'caf\xC3\xA9'"), "'caf\xC3\xA9'");
  EXPECT_EQ(tree("''"), "''");
}

TEST(ExprParser, IdentifiersAndContextualKeywords) {
  EXPECT_EQ(tree("`unit price` * qty"), "(* unit price qty)");
  EXPECT_EQ(tree("`and` or `a``b`"), "(or and a`b)");
  EXPECT_EQ(tree("date > '2024-01-01'"), "(> date '2024-01-01')");  // a column named date
  EXPECT_EQ(tree("year + 1"), "(+ year 1)");                        // a column named year
  EXPECT_EQ(tree("temp\xC3\xA9rature > 0"), "(> temp\xC3\xA9rature 0)");
  EXPECT_EQ(tree("_x1 = x_2"), "(= _x1 x_2)");
}

TEST(ExprParser, Functions) {
  EXPECT_EQ(tree("abs(a)"), "(abs a)");
  EXPECT_EQ(tree("ROUND(a, 2)"), "(round a 2)");
  EXPECT_EQ(tree("round(a)"), "(round a)");
  EXPECT_EQ(tree("min(a, b, c + 1)"), "(min a b (+ c 1))");
  EXPECT_EQ(tree("max(sqrt(a), log(b), exp(c))"), "(max (sqrt a) (log b) (exp c))");
  EXPECT_EQ(tree("year(d) * 100 + month(d) + day(ts)"),
            "(+ (+ (* (year d) 100) (month d)) (day ts))");
}

TEST(ExprParser, ColumnsInOrderOfFirstUse) {
  EXPECT_EQ(parse("b + a * b > c").columns(), (std::vector<std::string>{"b", "a", "c"}));
}

TEST(ExprParser, MissingParenthesisPointsAtTheEnd) {
  EXPECT_EQ(parse_error("(qty > 5 and x"),
            "expected ')' to close the '(' at position 1, found the end of the expression at "
            "position 15\n"
            "    (qty > 5 and x\n"
            "                  ^");
}

TEST(ExprParser, MissingOperandNamesTheOperator) {
  EXPECT_EQ(parse_error("qty > 5 and"),
            "expected a value after 'and', found the end of the expression at position 12\n"
            "    qty > 5 and\n"
            "               ^");
  EXPECT_EQ(parse_error("a + * b"),
            "expected a value (a column, number, string, function call or '('), found '*' at "
            "position 5\n"
            "    a + * b\n"
            "        ^");
}

TEST(ExprParser, TrailingTokens) {
  EXPECT_EQ(parse_error("qty 5"),
            "expected an operator or the end of the expression, found '5' at position 5\n"
            "    qty 5\n"
            "        ^");
  EXPECT_NE(parse_error("a > 1)").find("found ')' at position 6"), std::string::npos);
}

TEST(ExprParser, UnknownFunctionSuggests) {
  EXPECT_EQ(parse_error("sqr(x) > 1"),
            "unknown function 'sqr' (did you mean 'sqrt'?); the functions are: abs, sqrt, log, "
            "exp, min, max, round, year, month, day at position 1\n"
            "    sqr(x) > 1\n"
            "    ^~~");
}

TEST(ExprParser, ArgumentCounts) {
  EXPECT_NE(parse_error("abs(a, b)").find("abs takes 1 argument, got 2 arguments (usage: abs(x))"),
            std::string::npos);
  EXPECT_NE(parse_error("min(a)").find("min takes at least 2 arguments, got 1 argument"),
            std::string::npos);
  EXPECT_NE(parse_error("round(a, 1, 2)").find("round takes 1 to 2 arguments, got 3"),
            std::string::npos);
  EXPECT_NE(parse_error("year()").find("year takes 1 argument, got 0 arguments"),
            std::string::npos);
  EXPECT_NE(parse_error("abs(a b)")
                .find("expected ',' or ')' in the call of abs at position 1, "
                      "found 'b' at position 7"),
            std::string::npos);
}

TEST(ExprParser, LexicalErrors) {
  EXPECT_EQ(parse_error("name = 'abc"),
            "unterminated string: this ' has no closing ' at position 8\n"
            "    name = 'abc\n"
            "           ^");
  EXPECT_NE(parse_error("a = 'x\\q'").find("unknown escape '\\q' in a string"), std::string::npos);
  EXPECT_NE(parse_error("a $ b").find("unexpected character '$' at position 3"), std::string::npos);
  EXPECT_NE(parse_error("a && b").find("unexpected '&' (write 'and') at position 3"),
            std::string::npos);
  EXPECT_NE(parse_error("a || b").find("(write 'or')"), std::string::npos);
  EXPECT_NE(parse_error("!a").find("(write 'not')"), std::string::npos);
  EXPECT_NE(parse_error("5x + 1").find("invalid number '5x' at position 1"), std::string::npos);
  EXPECT_NE(parse_error("1.2.3").find("invalid number '1.2.3'"), std::string::npos);
  EXPECT_NE(parse_error("`open").find("unterminated `quoted column name`"), std::string::npos);
  EXPECT_NE(parse_error("``").find("empty column name"), std::string::npos);
}

TEST(ExprParser, PositionsCountCharactersNotBytes) {
  // "é" is two bytes; the caret must still sit under the '$'.
  EXPECT_EQ(parse_error("'\xC3\xA9' $"),
            "unexpected character '$' at position 5\n"
            "    '\xC3\xA9' $\n"
            "        ^");
}

TEST(ExprParser, StructuralErrors) {
  EXPECT_NE(parse_error("").find("empty expression at position 1"), std::string::npos);
  EXPECT_NE(parse_error("   ").find("empty expression"), std::string::npos);
  EXPECT_NE(parse_error("a < b < c").find("comparisons do not chain"), std::string::npos);
  EXPECT_NE(parse_error("a is 5").find("expected 'null' after 'is', found '5'"), std::string::npos);
  EXPECT_NE(parse_error("a is not b").find("expected 'null' after 'is not'"), std::string::npos);
  EXPECT_NE(parse_error("a and or b").find("found 'or' (a column of that name is written `or`)"),
            std::string::npos);
  EXPECT_NE(parse_error("a and or(b)").find("found 'or'"), std::string::npos);
  EXPECT_NE(parse_error("()").find("found ')' at position 2"), std::string::npos);
}

TEST(ExprParser, LiteralRanges) {
  EXPECT_NE(
      parse_error("9223372036854775808")
          .find("integer 9223372036854775808 does not fit in int64 (write 9223372036854775808.0 "
                "for a float)"),
      std::string::npos);
  EXPECT_NE(parse_error("1e999").find("number 1e999 is too large for float64"), std::string::npos);
  EXPECT_NE(parse_error("d > date '2024-02-30'")
                .find("'2024-02-30' is not a date (expected YYYY-MM-DD) at position 10"),
            std::string::npos);
  EXPECT_NE(parse_error("timestamp 'noon'").find("'noon' is not a timestamp"), std::string::npos);
}

TEST(ExprParser, NestingIsBounded) {
  std::string deep(300, '(');
  deep += "a" + std::string(300, ')');
  EXPECT_NE(parse_error(deep).find("nested more than 200 levels deep"), std::string::npos);
  std::string chain = "a";
  for (int idx = 0; idx < 1500; ++idx) chain += " + a";
  EXPECT_NE(parse_error(chain).find("expression too large"), std::string::npos);
  std::string fine(150, '(');
  fine += "a" + std::string(150, ')');
  EXPECT_EQ(tree(fine), "a");
}

TEST(ExprParser, MultiLineTextIsShownOnOneLine) {
  EXPECT_EQ(parse_error("a >\n\t$"),
            "unexpected character '$' at position 6\n"
            "    a >  $\n"
            "         ^");
}

}  // namespace
}  // namespace rankflow::expr

namespace rankflow::expr {
namespace {

// Issue 17: 330,000 'or' terms crashed (a whole tree built, then checked, then destroyed
// recursively). The limit holds while parsing, and the message quotes a window of the text.
TEST(ExprParser, HugeChainsAreRefusedWhileParsingWithAShortMessage) {
  std::string text = "x = 0";
  for (int term = 1; term < 330000; ++term) text += fmt::format(" or x = {}", term);
  const std::string message = parse_error(text);
  EXPECT_NE(message.find("expression too large: more than 1000 nested operations"),
            std::string::npos)
      << message.substr(0, 300);
  EXPECT_LT(message.size(), 400u) << message.substr(0, 300);
  // Just under the limit it parses, and the tree is freed without recursion.
  std::string fits = "x = 0";
  for (int term = 1; term < 500; ++term) fits += fmt::format(" or x = {}", term);
  EXPECT_NO_THROW(parse(fits));
}

TEST(ExprParser, AnErrorInAMegabyteQuotesAnExcerpt) {
  const std::string text = "name = '" + std::string(1 << 20, 'a') + "' and";
  const std::string message = parse_error(text);
  EXPECT_NE(message.find("expected a value after 'and'"), std::string::npos)
      << message.substr(0, 300);
  EXPECT_LT(message.size(), 400u);
  const std::string date = parse_error("d = date '" + std::string(1 << 20, '9') + "'");
  EXPECT_NE(date.find("bytes)' is not a date"), std::string::npos) << date.substr(0, 300);
  EXPECT_LT(date.size(), 600u);
}

}  // namespace
}  // namespace rankflow::expr
