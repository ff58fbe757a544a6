// SHA-256 digests through OpenSSL's libcrypto (which HDF5 already links on Debian).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;  // OpenSSL's own forward declaration, so callers need no OpenSSL header

namespace grl {

class Sha256 {
 public:
  using Digest = std::array<unsigned char, 32>;

  Sha256();
  void update(const void* data, std::size_t size);
  // Ends the digest; the object is spent afterwards.
  Digest finish();

  static Digest of(const void* data, std::size_t size);
  static std::string hex(const Digest& digest);

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context_;
};

}  // namespace grl
