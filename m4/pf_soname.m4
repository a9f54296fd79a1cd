dnl PF_SONAME(NAME, CFLAGS, LIBS, PROLOGUE, BODY, FILE-PREFIX)
dnl The soname of the library, its file name starting FILE-PREFIX, that a
dnl program with PROLOGUE and BODY needs when linked with LIBS: defined as
dnl PF_<NAME>_SONAME for dlopen() (policy/core/lazylib.h), so the library
dnl opened at run time is the one built against.
AC_DEFUN([PF_SONAME], [
  AC_REQUIRE([PF_PROG_READELF])
  AC_CACHE_CHECK([the soname of $6], [pf_cv_soname_$1], [
    pf_save_CFLAGS=$CFLAGS pf_save_LIBS=$LIBS
    CFLAGS="$CFLAGS $2" LIBS="$3 $LIBS"
    pf_cv_soname_$1=
    AC_LINK_IFELSE([AC_LANG_PROGRAM([$4], [$5])],
      [pf_cv_soname_$1=`$READELF -d conftest$EXEEXT |
        sed -n 's/.*(NEEDED).*\@<:@\($6@<:@^@:>@@:>@*\)\@:>@.*/\1/p' | sed 1q`])
    CFLAGS=$pf_save_CFLAGS LIBS=$pf_save_LIBS])
  AS_IF([test -z "$pf_cv_soname_$1"],
    [AC_MSG_ERROR([cannot tell which $6 the program links (readelf -d)])])
  AC_DEFINE_UNQUOTED([PF_$1_SONAME], ["$pf_cv_soname_$1"],
    [the $6 opened when first needed])
])

AC_DEFUN([PF_PROG_READELF], [
  AC_CHECK_TOOL([READELF], [readelf])
  AS_IF([test -z "$READELF"], [AC_MSG_ERROR([readelf not found (binutils)])])
])
