# Makefile fragment for a generated edgecompile C artifact.
#   EDGECOMPILE_ARTIFACT := path/to/build/cortex-m4-int8      (set before including)
#   include path/to/edgecompile.mk
#   app.elf: main.o $(EDGECOMPILE_OBJS)
# Optionally regenerate it from a model with: make edgecompile-model MODEL=m.tflite TARGET=cortex-m4
EDGECOMPILE ?= edgecompile
EDGECOMPILE_SRCS := $(EDGECOMPILE_ARTIFACT)/model.c
EDGECOMPILE_OBJS := $(patsubst %.c,%.o,$(notdir $(EDGECOMPILE_SRCS)))
EDGECOMPILE_CFLAGS := -std=c99 -I$(EDGECOMPILE_ARTIFACT)

model.o: $(EDGECOMPILE_ARTIFACT)/model.c $(EDGECOMPILE_ARTIFACT)/model.h
	$(CC) $(CFLAGS) $(EDGECOMPILE_CFLAGS) -c $< -o $@
