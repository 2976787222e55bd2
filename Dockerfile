# Passerelle: a small, non-root image of the gateway.
#
# The build stage runs `make build`, the very command developers and CI run,
# with the same flags, so that what CI tests is what this image ships.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# The module go.mod replaces with a directory of this repository.
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/passerelle /usr/local/bin/passerelle
USER nonroot:nonroot
EXPOSE 8080
ENV PASSERELLE_ADDR=:8080
ENTRYPOINT ["/usr/local/bin/passerelle"]
