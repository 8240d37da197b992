# The two commands of the course. Both install what is missing first (scripts/install-deps.sh).
#   make speedup            the cumulative speedup table (release build)
#   make speedup ARGS="--stages 1,2,3,5 --size 512 --format csv"
#   make test               every stage's conformance tests
.PHONY: speedup test deps

speedup: deps
	swift run -c release speedup $(ARGS)

test: deps
	swift test

deps:
	@scripts/install-deps.sh
