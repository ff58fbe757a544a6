#include "common/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace grl {

Sha256::Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256: OpenSSL could not initialise a digest");
}

void Sha256::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(context_.get(), data, size) != 1) throw std::runtime_error("SHA-256: OpenSSL digest update failed");
}

Sha256::Digest Sha256::finish() {
  Digest digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1 || length != digest.size())
    throw std::runtime_error("SHA-256: OpenSSL digest final failed");
  return digest;
}

Sha256::Digest Sha256::of(const void* data, std::size_t size) {
  Sha256 digest;
  digest.update(data, size);
  return digest.finish();
}

std::string Sha256::hex(const Digest& digest) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  return out;
}

}  // namespace grl
