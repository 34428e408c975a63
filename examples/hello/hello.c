#include <stdio.h>

int main() { puts("hello"); }
