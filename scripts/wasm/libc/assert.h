/* Assertions are off in this build (as with NDEBUG). */
#ifndef GSI_ASSERT_H
#define GSI_ASSERT_H
#define assert(condition) ((void)0)
#endif
