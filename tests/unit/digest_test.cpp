#include <gtest/gtest.h>

#include "daemon/text/digest.hpp"

using namespace araldo;

TEST(Digest, Sha256AndHmacMatchTheirPublishedTestVectors) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(text::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231, test case 2.
  EXPECT_EQ(text::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const unsigned char bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(text::to_hex(bytes, sizeof bytes), "000fa0ff");
}
