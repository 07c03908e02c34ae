"""The language server behind `ody lsp`: one open screenplay per `LiveDocument`."""
