# Gatehouse: `make run` starts everything in one process; `make test` runs every suite.
SHELL := /bin/bash
PNPM := $(shell command -v pnpm 2>/dev/null || echo "npx --yes pnpm@10")
PROTO_FILES := gatehouse/v1/principal.proto gatehouse/v1/tokens.proto gatehouse/v1/users.proto gatehouse/v1/apptokens.proto login/v1/login.proto mgmt/v1alpha1/auth.proto apikeys/apikeys.proto
GEN_DIR := packages/shared/src/gen

.PHONY: install proto build run test test-timing soak lint bench docs certs clean check-servers

node_modules/.modules.yaml: package.json pnpm-lock.yaml $(wildcard packages/*/package.json services/*/package.json)
	$(PNPM) install --frozen-lockfile
	@touch $@

install: node_modules/.modules.yaml

# TypeScript types for every .proto (never hand-edited, not committed). Regenerated when a .proto
# changes, so an unchanged tree does not force tsc to rebuild everything; `make proto` forces it.
$(GEN_DIR)/.stamp: $(addprefix proto/,$(PROTO_FILES)) Makefile | install
	rm -rf $(GEN_DIR)
	node_modules/.bin/proto-loader-gen-types --keepCase --longs=Number --enums=String --defaults --arrays --oneofs \
	  --grpcLib=@grpc/grpc-js --targetFileExtension=.ts --importFileExtension=.js -I proto -O $(GEN_DIR) $(PROTO_FILES) >/dev/null
	@touch $@

proto:
	rm -f $(GEN_DIR)/.stamp
	$(MAKE) $(GEN_DIR)/.stamp

build: install $(GEN_DIR)/.stamp
	node_modules/.bin/tsc -b

run: build
	node packages/cli/dist/src/main.js server

check-servers:
	@command -v redis-server >/dev/null || test -x /usr/sbin/redis-server || test -x /usr/bin/redis-server || { echo "redis-server is missing: install it with 'sudo apt-get install -y redis-server' (Debian/Ubuntu) or 'brew install redis'"; exit 1; }
	@command -v nats-server >/dev/null || test -x /usr/sbin/nats-server || test -x /usr/bin/nats-server || { echo "nats-server is missing: install it with 'sudo apt-get install -y nats-server' (Debian/Ubuntu) or 'brew install nats-server'"; exit 1; }

test: build check-servers
	PATH="$$PATH:/usr/sbin" node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js

# Known vs unknown e-mails at login and password reset, 1,000 samples per side, two-sample
# Kolmogorov–Smirnov at α = 0.001 (packages/reliability/timing); about 5–10 minutes, apart from `make test`.
test-timing: build check-servers
	PATH="$$PATH:/usr/sbin" node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --testMatch '**/dist/timing/**/*.timing.js' --testTimeout 900000

# Mixed load through the proxy for SOAK_MINUTES (default 10) with a Redis and a NATS restart in the
# middle; asserts no accepted revoked credential, no unauthenticated forward, heap growth under 10 %.
soak: build check-servers
	PATH="$$PATH:/usr/sbin" node packages/reliability/dist/soak/soak.js

lint: build
	node_modules/.bin/eslint --max-warnings=0 .
	node_modules/.bin/prettier --check . --log-level=warn

# Gatehouse side by side with the references, paired ratios (docs/performance.md); under 15 minutes.
# `make bench QUICK=1`: fewer rounds, shorter runs, no 5-minute memory scenario (under 3 minutes).
bench: build
	QUICK=$(QUICK) node bench/run.js

# DEVELOPMENT certificates for mutual TLS between the services in docker-compose.yml (a CA, one per
# service, one for the admin CLI) in secrets/grpc-tls/ (git-ignored); FORCE=1 replaces existing ones.
certs:
	bash deploy/certs/dev-certs.sh

# docs/operations.md's environment tables, from the config schemas (a test fails when they drift).
docs: build
	node packages/cli/dist/src/docs/write-env-tables.js

clean:
	rm -rf $(GEN_DIR) packages/*/dist services/*/dist packages/*/tsconfig.tsbuildinfo services/*/tsconfig.tsbuildinfo
